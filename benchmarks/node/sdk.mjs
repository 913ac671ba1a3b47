// Shared by the Node benchmark scripts: the official SDK from tests/compat (no second lockfile), the
// command line, the input files and the per-file work that both shapes perform.

import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '..', '..', 'tests', 'compat', 'package.json'));
export const { OpenAI } = require('openai');

/** --name value pairs into an object; every value is a string. */
export function args() {
    const out = {};
    const a = process.argv.slice(2);
    for (let i = 0; i < a.length; i += 2) {
        if (!a[i].startsWith('--') || i + 1 >= a.length) {
            console.error(`usage: node ${path.basename(process.argv[1])} --base-url URL --files DIR [--mode poll|stream] [--rpm N] [--cap-s S] --out FILE.json`);
            process.exit(2);
        }
        out[a[i].slice(2)] = a[i + 1];
    }
    return out;
}

export function inputFiles(dir) {
    return fs.readdirSync(dir).filter((f) => f.endsWith('.txt')).sort().map((f) => path.join(dir, f));
}

export function client(baseURL) {
    // Defaults on purpose: maxRetries 2, the SDK's own backoff and its use of retry-after(-ms).
    return new OpenAI({ apiKey: 'sk-bench', baseURL });
}

export const prompt = 'Classify the attached file: answer with a label (yes or no) and a one-line reason.';

/** One file, the way the SDK's documentation shows it: upload, thread with the message, createAndPoll. */
export async function processFile(openai, assistantId, file) {
    const uploaded = await openai.files.create({ file: fs.createReadStream(file), purpose: 'assistants' });
    const thread = await openai.beta.threads.create({
        messages: [{ role: 'user', content: prompt,
                     attachments: [{ file_id: uploaded.id, tools: [{ type: 'file_search' }] }] }],
    });
    const run = await openai.beta.threads.runs.createAndPoll(thread.id, { assistant_id: assistantId });
    if (run.status !== 'completed') throw new Error(`run ended ${run.status}`);
    return run;
}

/** The same file with the run streamed: upload, then create-thread-and-run as one streamed request, read to
 * its end (the request pattern of paced's stream mode). */
export async function processFileStreamed(openai, assistantId, file) {
    const uploaded = await openai.files.create({ file: fs.createReadStream(file), purpose: 'assistants' });
    const stream = openai.beta.threads.createAndRunStream({
        assistant_id: assistantId,
        thread: { messages: [{ role: 'user', content: prompt,
                               attachments: [{ file_id: uploaded.id, tools: [{ type: 'file_search' }] }] }] },
    });
    const run = await stream.finalRun();
    if (run.status !== 'completed') throw new Error(`run ended ${run.status}`);
    return run;
}

export function errorKind(e) {
    if (e && typeof e.status === 'number') return `HTTP ${e.status}${e.code ? ` ${e.code}` : ''}`;
    return (e && (e.code || e.name || e.message)) || String(e);
}

export function writeResult(file, result) {
    fs.writeFileSync(file, JSON.stringify(result, null, 1) + '\n');
}
