// Writes one ingested recording's (channels, samples) float32 data to stdout (for ingest_vs_scipy.py).
import { Dataset } from '../../dist/index.js';

const [dir, subject, song] = process.argv.slice(2);
const dataset = await Dataset.open(dir);
const rec = await dataset.recording(Number(subject), Number(song));
process.stdout.write(Buffer.from(rec.data.buffer, rec.data.byteOffset, rec.data.byteLength));
await dataset.close();
