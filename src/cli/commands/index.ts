/** Every verb, in the order `predann --help` lists them. */
import type { CommandModule } from 'yargs';
import * as bench from './bench.js';
import * as compare from './compare.js';
import * as demo from './demo.js';
import * as embed from './embed.js';
import * as evaluate from './eval.js';
import * as exportVerb from './export.js';
import * as filter from './filter.js';
import * as importTorch from './import.js';
import * as info from './info.js';
import * as predict from './predict.js';
import * as ingest from './ingest.js';
import * as summary from './summary.js';
import * as synth from './synth.js';
import * as train from './train.js';

/** Each verb module types its own arguments; yargs sees them through this widening. */
const verb = (m: object) => m as CommandModule;

export const commands: CommandModule[] = [demo, synth, ingest, filter, summary, train, evaluate, compare, exportVerb, predict, embed, importTorch, bench, info].map(verb);
