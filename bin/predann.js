#!/usr/bin/env node
// Thin entry: the CLI lives in src/cli (compiled to dist/ by `npm run build`).
import { main } from '../dist/cli/main.js';

await main(process.argv.slice(2));
