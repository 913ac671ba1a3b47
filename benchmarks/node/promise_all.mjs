#!/usr/bin/env node
// The official Node SDK on the benchmark workload in the shape most users write first: every file at
// once with Promise.all (allSettled, so one failure does not hide the others), default retries. Each file
// is processFile (createAndPoll) or, with --mode stream, processFileStreamed (createAndRunStream).
// Usage: node promise_all.mjs --base-url URL --files DIR [--mode poll|stream] --out result.json

import { args, client, errorKind, inputFiles, processFile, processFileStreamed, writeResult } from './sdk.mjs';

const a = args();
const openai = client(a['base-url']);
const files = inputFiles(a.files);
const mode = a.mode ?? 'poll';
if (mode !== 'poll' && mode !== 'stream') {
    console.error(`promise_all: --mode must be poll or stream, not ${mode}`);
    process.exit(2);
}
const perFile = mode === 'stream' ? processFileStreamed : processFile;
const started = performance.now();
const assistant = await openai.beta.assistants.create({ model: 'gpt-4o-mini', name: 'bench',
                                                       tools: [{ type: 'file_search' }] });
const settled = await Promise.allSettled(files.map((f) => perFile(openai, assistant.id, f)));
const wall = (performance.now() - started) / 1000;
const errors = {};
for (const s of settled)
    if (s.status === 'rejected') errors[errorKind(s.reason)] = (errors[errorKind(s.reason)] ?? 0) + 1;
const completed = settled.filter((s) => s.status === 'fulfilled').length;
writeResult(a.out, { files: files.length, completed, failed: files.length - completed, errors, wall_seconds: wall });
console.error(`promise_all (${mode}): ${completed}/${files.length} completed in ${wall.toFixed(1)} s`, errors);
