/** Every verb, in the order `predann --help` lists them. */
import type { CommandModule } from 'yargs';
import * as info from './info.js';

/** Each verb module types its own arguments; yargs sees them through this widening. */
const verb = (m: object) => m as CommandModule;

export const commands: CommandModule[] = [info].map(verb);
