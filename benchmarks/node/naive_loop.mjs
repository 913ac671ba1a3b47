#!/usr/bin/env node
// The "careful" shape: one file at a time, sleeping between files for the requests one file costs
// (60 s / RPM x requests per file), stopped after a fixed wall time; reports the files completed in it.
// Usage: node naive_loop.mjs --base-url URL --files DIR --rpm N --requests-per-file K --cap-s S --out result.json

import { args, client, errorKind, inputFiles, processFile, writeResult } from './sdk.mjs';

const a = args();
const openai = client(a['base-url']);
const files = inputFiles(a.files);
const rpm = Number(a.rpm);
const perFile = Number(a['requests-per-file']);
const capMs = Number(a['cap-s']) * 1000;
const pauseMs = (60000 / rpm) * perFile;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const started = performance.now();
const assistant = await openai.beta.assistants.create({ model: 'gpt-4o-mini', name: 'bench',
                                                       tools: [{ type: 'file_search' }] });
let completed = 0, failed = 0, attempted = 0;
const errors = {};
for (const f of files) {
    if (performance.now() - started >= capMs) break;
    attempted++;
    try {
        await processFile(openai, assistant.id, f);
        if (performance.now() - started <= capMs) completed++;
    } catch (e) {
        failed++;
        errors[errorKind(e)] = (errors[errorKind(e)] ?? 0) + 1;
    }
    await sleep(pauseMs);
}
const wall = (performance.now() - started) / 1000;
writeResult(a.out, { files: files.length, attempted, completed, failed, errors, pause_ms: pauseMs,
                     cap_seconds: capMs / 1000, wall_seconds: wall });
console.error(`naive_loop: ${completed} completed (${failed} failed) in ${wall.toFixed(1)} s, ${pauseMs} ms between files`);
