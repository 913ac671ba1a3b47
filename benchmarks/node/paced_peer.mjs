#!/usr/bin/env node
// The strongest peer a user could write in an afternoon: the official Node SDK with one GCRA pacer on its
// `fetch`, so that every request (upload, run, poll, retry) waits for the key's one budget. Per file the same requests as paced-batch: the upload, then create-thread-and-run and its polls
// (createAndRunPoll, 1 s interval) and the reply (messages.list), or, with --mode stream,
// createAndRunStream read to its end.
// At most --concurrency files at once (64, paced-batch's default): with all 500 at once, Node spends so long
// setting up the uploads that requests the pacer let go reach the server bunched, well after their turn;
// the first early one is refused, and since refused requests count, every later one too (measured: 0 of
// 500 files in both modes).
// With --api responses, each file is one response instead (its text inline, as paced-batch --api responses
// sends it): created in the background and retrieved every 1 s until it ends (the background guide's loop:
// no official SDK has a poll helper for responses), or streamed to its end.
// Usage: node paced_peer.mjs --base-url URL --files DIR --rpm N [--mode poll|stream] [--concurrency N]
//        [--api assistants|responses] --out result.json

import fs from 'node:fs';
import { OpenAI, args, errorKind, inputFiles, prompt, writeResult } from './sdk.mjs';

/** The server's rate rule (GCRA): emission interval T = 60 s / rpm, burst B = max(1, floor(rpm / 60)), with
 * the margin paced's budget keeps by default: a request may be counted up to `allowance` ms after it is
 * let go, so a charge on an idle bucket is booked that much later. Without it a request that reaches the
 * server late after an idle moment moves the server's schedule ahead of the pacer's, and since refused
 * requests count too, a pacer at exactly the limit is then refused for good (measured: 0 of 500 files). */
class Pacer {
    constructor(rpm, allowance = 100) {
        this.interval = 60000 / rpm;
        // How far ahead of tat a request may go: the burst's tolerance, where the margin fits inside it;
        // else only once tat has passed (a burst of one: one request per T + allowance).
        const tolerance = (Math.max(1, Math.floor(rpm / 60)) - 1) * this.interval;
        this.lead = tolerance >= allowance ? tolerance : 0;
        this.allowance = allowance;
        this.tat = 0;
        this.tail = Promise.resolve();
        this.requests = 0;
    }

    /** Resolves when one more request may be sent, in call order. */
    acquire() {
        const turn = this.tail.then(async () => {
            const now = performance.now();
            const at = Math.max(now, this.tat - this.lead);
            if (at > now) await new Promise((r) => setTimeout(r, at - now));
            this.tat = Math.max(this.tat, at + this.allowance) + this.interval;
            this.requests++;
        });
        this.tail = turn;
        return turn;
    }
}

const a = args();
const mode = a.mode ?? 'poll';
if ((mode !== 'poll' && mode !== 'stream') || !a.rpm) {
    console.error('paced_peer: --rpm N is needed, and --mode must be poll or stream');
    process.exit(2);
}
const pacer = new Pacer(Number(a.rpm));
const openai = new OpenAI({
    apiKey: 'sk-bench',
    baseURL: a['base-url'],
    fetch: async (url, init) => {
        await pacer.acquire();
        return fetch(url, init);
    },
});
const files = inputFiles(a.files);

async function upload(file) {
    return openai.files.create({ file: fs.createReadStream(file), purpose: 'assistants' });
}

function job(assistantId, fileId) {
    return {
        assistant_id: assistantId,
        thread: { messages: [{ role: 'user', content: prompt,
                               attachments: [{ file_id: fileId, tools: [{ type: 'file_search' }] }] }] },
    };
}

async function polled(assistantId, file) {
    const f = await upload(file);
    const run = await openai.beta.threads.createAndRunPoll(job(assistantId, f.id), { pollIntervalMs: 1000 });
    if (run.status !== 'completed') throw new Error(`run ended ${run.status}`);
    const reply = await openai.beta.threads.messages.list(run.thread_id, { run_id: run.id, limit: 1 });
    return reply.data.length;
}

async function streamed(assistantId, file) {
    const f = await upload(file);
    const run = await openai.beta.threads.createAndRunStream(job(assistantId, f.id)).finalRun();
    if (run.status !== 'completed') throw new Error(`run ended ${run.status}`);
    return 1;
}

function turn(file) {
    return { model: 'gpt-4o-mini',
             input: [{ role: 'user', content: [{ type: 'input_text', text: prompt },
                                               { type: 'input_text', text: fs.readFileSync(file, 'utf8') }] }] };
}

async function responsePolled(_, file) {
    let r = await openai.responses.create({ ...turn(file), background: true });
    while (r.status === 'queued' || r.status === 'in_progress') {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        r = await openai.responses.retrieve(r.id);
    }
    if (r.status !== 'completed') throw new Error(`response ended ${r.status}`);
    return r.output_text.length;
}

async function responseStreamed(_, file) {
    const stream = await openai.responses.create({ ...turn(file), stream: true });
    let status = '';
    for await (const event of stream)
        if (event.type === 'response.completed' || event.type === 'response.failed') status = event.response.status;
    if (status !== 'completed') throw new Error(`response ended ${status || 'without its end'}`);
    return 1;
}

const responses = (a.api ?? 'assistants') === 'responses';
const started = performance.now();
const assistant = responses ? { id: '' }
                            : await openai.beta.assistants.create({ model: 'gpt-4o-mini', name: 'bench',
                                                                    tools: [{ type: 'file_search' }] });
const perFile = responses ? (mode === 'stream' ? responseStreamed : responsePolled)
                          : (mode === 'stream' ? streamed : polled);
const concurrency = Number(a.concurrency ?? 64);
const settled = new Array(files.length);
let next = 0;
async function worker() {
    while (next < files.length) {
        const i = next++;
        try {
            settled[i] = { status: 'fulfilled', value: await perFile(assistant.id, files[i]) };
        } catch (e) {
            settled[i] = { status: 'rejected', reason: e };
        }
    }
}
await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
const wall = (performance.now() - started) / 1000;
const errors = {};
for (const s of settled)
    if (s.status === 'rejected') errors[errorKind(s.reason)] = (errors[errorKind(s.reason)] ?? 0) + 1;
const completed = settled.filter((s) => s.status === 'fulfilled').length;
writeResult(a.out, { files: files.length, completed, failed: files.length - completed, errors, wall_seconds: wall,
                     requests: pacer.requests });
console.error(`paced_peer (${mode}): ${completed}/${files.length} completed in ${wall.toFixed(1)} s, ` +
              `${pacer.requests} requests`, errors);
