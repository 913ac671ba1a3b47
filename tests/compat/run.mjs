#!/usr/bin/env node
// Fidelity check of paced-emulator: the official OpenAI Node SDK (npm package `openai`, pinned in
// package-lock.json) drives the emulator through files, assistants, threads, messages, runs (polled and
// streamed with a tool call round trip), auto-pagination, deletes, responses (background and polled,
// streamed, cancelled), conversations, the Batch API, webhook deliveries verified by the SDK's own
// unwrap, and a rate-limit burst; a sample of
// the emulator's raw JSON answers is validated against the component schemas of OpenAI's OpenAPI spec.
//
// Usage: node run.mjs [path/to/paced-emulator]      (or env PACED_EMULATOR)
//        env PACED_OPENAPI_SPEC=path/to/openapi.yaml (default: <repo>/../shared/spec/openapi.yaml)
// Exit code 0 when every check passed, 1 otherwise. Every check is printed. Without the spec the other
// checks run, and when they pass the run ends with the skip marker that ctest reports as Skipped.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const here = path.dirname(fileURLToPath(import.meta.url));

// ---- worker: parse the (3 MB) spec off the main thread while the SDK checks run ---------------------
if (!isMainThread) {
    const { default: YAML } = await import('yaml');
    const spec = YAML.parse(fs.readFileSync(workerData.spec, 'utf8'), { maxAliasCount: -1 });
    parentPort.postMessage(JSON.stringify({ openapi: spec.openapi, components: spec.components }));
    process.exit(0);
}

// ---- dependencies: a missing install step must show, not be skipped ---------------------------------
let OpenAI, toFile, RateLimitError, NotFoundError, BadRequestError, AuthenticationError;
try {
    ({ default: OpenAI, toFile, RateLimitError, NotFoundError, BadRequestError, AuthenticationError } =
        await import('openai'));
} catch (e) {
    console.error(`compat: cannot load the npm package 'openai' from ${here}/node_modules (${e.code ?? e.message}).`);
    console.error('compat: run scripts/setup.sh (it runs `npm ci` in tests/compat) and try again.');
    process.exit(1);
}

// ---- bookkeeping -------------------------------------------------------------------------------------
let failures = 0;
let passes = 0;
function check(cond, what, detail) {
    if (cond) {
        passes++;
        console.log(`  ok   ${what}`);
    } else {
        failures++;
        console.log(`  FAIL ${what}${detail === undefined ? '' : `\n       ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`}`);
    }
    return !!cond;
}
function section(title) {
    console.log(`\n== ${title}`);
}
async function expectThrow(promise, cls, what) {
    try {
        await promise;
        check(false, what, 'no error was thrown');
        return undefined;
    } catch (e) {
        check(e instanceof cls, what, `${e?.constructor?.name}: ${e?.message}`);
        return e;
    }
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- emulator processes ------------------------------------------------------------------------------
const emulatorPath = process.argv[2] ?? process.env.PACED_EMULATOR;
if (!emulatorPath || !fs.existsSync(emulatorPath)) {
    console.error(`compat: paced-emulator not found (${emulatorPath ?? 'no path given'}).`);
    console.error('usage: node run.mjs path/to/paced-emulator   (or set PACED_EMULATOR)');
    process.exit(1);
}
const children = [];
function killChildren() {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
}
process.on('exit', killChildren);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(1));
// Our own deadline, below ctest's 180 s, so the emulators are never left behind.
const watchdog = setTimeout(() => {
    console.error('compat: FAIL: still running after 170 s, giving up');
    process.exit(1);
}, 170_000);
watchdog.unref();

function startEmulator(args) {
    return new Promise((resolve, reject) => {
        const child = spawn(emulatorPath, ['--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
        children.push(child);
        let buf = '';
        const timer = setTimeout(() => reject(new Error('no "listening on" line within 15 s')), 15_000);
        child.on('error', (e) => { clearTimeout(timer); reject(e); });
        child.on('exit', (code, sig) => { clearTimeout(timer); reject(new Error(`emulator exited (${code ?? sig})`)); });
        child.stdout.setEncoding('utf8');
        child.stdout.on('data', (d) => {
            buf += d;
            const m = /^listening on (https?:\/\/\S+)\r?\n/m.exec(buf);
            if (m) {
                clearTimeout(timer);
                child.stdout.removeAllListeners('data');
                child.stdout.resume();
                resolve({ child, url: m[1] });
            }
        });
    });
}

// ---- raw HTTP, for the schema samples ----------------------------------------------------------------
const samples = []; // {what, schema, body}
function sample(what, schema, body) {
    samples.push({ what, schema, body });
}
function rawClient(base) {
    const headers = { Authorization: 'Bearer sk-compat', 'OpenAI-Beta': 'assistants=v2' };
    return async function raw(method, p, body, extraHeaders = {}) {
        const init = { method, headers: { ...headers, ...extraHeaders } };
        if (body !== undefined) {
            init.body = JSON.stringify(body);
            init.headers['Content-Type'] = 'application/json';
        }
        const res = await fetch(base + p, init);
        const text = await res.text();
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        return { status: res.status, headers: res.headers, text, json };
    };
}
// Parses a complete SSE body into [{event, data}].
function parseSse(text) {
    const out = [];
    for (const block of text.split('\n\n')) {
        let event = 'message';
        const data = [];
        for (const line of block.split('\n')) {
            if (line.startsWith('event:')) event = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        }
        if (data.length) out.push({ event, data: data.join('\n') });
    }
    return out;
}

// The reply function documented in tools/emulator/README.md, for an exact check of the text.
const POSITIVE = new Set(['yes', 'true', 'positive', 'approve', 'approved', 'accept', 'accepted', 'good']);
const NEGATIVE = new Set(['no', 'false', 'negative', 'reject', 'rejected', 'deny', 'denied', 'bad']);
function expectedReply(parts) {
    const input = parts.join('\n');
    let pos = 0, neg = 0;
    for (const w of input.toLowerCase().match(/[a-z]+/g) ?? []) {
        if (POSITIVE.has(w)) pos++;
        if (NEGATIVE.has(w)) neg++;
    }
    if (pos === neg) throw new Error('test inputs must not tie');
    return `label: ${pos > neg ? 'yes' : 'no'}\nreason: ${pos} positive and ${neg} negative keyword(s) in ` +
        `${Buffer.byteLength(input)} bytes of input.`;
}
function textOf(message) {
    return message.content.filter((c) => c.type === 'text').map((c) => c.text.value).join('');
}

// =======================================================================================================
const specPath = process.env.PACED_OPENAPI_SPEC ?? path.resolve(here, '../../../shared/spec/openapi.yaml');
let specPromise = null;
if (fs.existsSync(specPath)) {
    specPromise = new Promise((resolve, reject) => {
        const w = new Worker(fileURLToPath(import.meta.url), { workerData: { spec: specPath } });
        w.once('message', (s) => resolve(JSON.parse(s)));
        w.once('error', reject);
        w.once('exit', (code) => { if (code !== 0) reject(new Error(`spec worker exited ${code}`)); });
    });
    specPromise.catch(() => {}); // handled where awaited
}

const RUN_MS = 300;
const { url } = await startEmulator(['--run-ms', String(RUN_MS), '--seed', '7']);
console.log(`compat: openai ${JSON.parse(fs.readFileSync(path.join(here, 'node_modules/openai/package.json'))).version}` +
    ` against ${url} (${emulatorPath})`);
const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'sk-compat', maxRetries: 0, timeout: 20_000 });
const raw = rawClient(`${url}/v1`);
const model = 'gpt-4o-mini';

try {
    // ---------------------------------------------------------------------------------------------------
    section('files');
    const fileText = 'Reviewer notes: good work, approved.\n';
    const file = await client.files.create({ file: await toFile(Buffer.from(fileText), 'notes.txt'), purpose: 'assistants' });
    check(/^file-/.test(file.id) && file.object === 'file', 'files.create (toFile) returns a File', file);
    check(file.bytes === Buffer.byteLength(fileText) && file.filename === 'notes.txt' && file.purpose === 'assistants',
        'the File has the uploaded size, name and purpose', file);
    const tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'paced-compat-')), 'stream.txt');
    fs.writeFileSync(tmp, 'x'.repeat(70_000));
    const file2 = await client.files.create({ file: fs.createReadStream(tmp), purpose: 'assistants' });
    check(file2.bytes === 70_000 && file2.filename === 'stream.txt', 'files.create (fs stream, 70 kB) keeps size and name', file2);
    fs.rmSync(path.dirname(tmp), { recursive: true, force: true });
    const got = await client.files.retrieve(file.id);
    check(got.id === file.id && got.bytes === file.bytes, 'files.retrieve returns the same File');
    const content = await (await client.files.content(file.id)).text();
    check(content === fileText, 'files.content returns the uploaded bytes', content);
    const fileIds = [];
    for await (const f of client.files.list()) fileIds.push(f.id);
    check(fileIds.includes(file.id) && fileIds.includes(file2.id), 'files.list (auto-pagination) lists both files', fileIds);
    sample('GET /files/{id}', 'OpenAIFile', (await raw('GET', `/files/${file.id}`)).json);
    sample('GET /files', 'ListFilesResponse', (await raw('GET', '/files?limit=1')).json);

    // ---------------------------------------------------------------------------------------------------
    section('assistants, threads, messages');
    const tool = {
        type: 'function',
        function: {
            name: 'lookup_policy',
            description: 'Looks up the policy that applies to the request.',
            parameters: { type: 'object', properties: { input: { type: 'string' } }, required: ['input'] },
        },
    };
    const toolAssistant = await client.beta.assistants.create({
        model, name: 'compat tool assistant', instructions: 'Classify, consulting the policy tool.',
        tools: [tool], metadata: { suite: 'compat' },
    });
    check(/^asst_/.test(toolAssistant.id) && toolAssistant.object === 'assistant', 'assistants.create returns an Assistant', toolAssistant);
    check(toolAssistant.tools.length === 1 && toolAssistant.tools[0].function?.name === 'lookup_policy',
        'the Assistant keeps its function tool', toolAssistant.tools);
    const plainAssistant = await client.beta.assistants.create({ model, name: 'compat plain assistant' });
    const updated = await client.beta.assistants.update(plainAssistant.id, { description: 'no tools', metadata: { k: 'v' } });
    check(updated.description === 'no tools' && updated.metadata?.k === 'v', 'assistants.update changes description and metadata', updated);
    sample('GET /assistants/{id}', 'AssistantObject', (await raw('GET', `/assistants/${toolAssistant.id}`)).json);
    sample('GET /assistants', 'ListAssistantsResponse', (await raw('GET', '/assistants?limit=2')).json);

    const thread = await client.beta.threads.create({ metadata: { suite: 'compat' } });
    check(/^thread_/.test(thread.id) && thread.object === 'thread', 'threads.create returns a Thread', thread);
    sample('GET /threads/{id}', 'ThreadObject', (await raw('GET', `/threads/${thread.id}`)).json);
    const userText = 'Please approve this expense: the receipt is attached and it looks good.';
    const msg = await client.beta.threads.messages.create(thread.id, {
        role: 'user', content: userText, attachments: [{ file_id: file.id, tools: [{ type: 'file_search' }] }],
    });
    check(/^msg_/.test(msg.id) && msg.role === 'user' && textOf(msg) === userText, 'messages.create returns the user Message', msg);
    const msgBack = await client.beta.threads.messages.retrieve(msg.id, { thread_id: thread.id });
    check(msgBack.id === msg.id && msgBack.attachments?.[0]?.file_id === file.id, 'messages.retrieve keeps the attachment', msgBack);
    sample('GET /threads/{id}/messages/{id}', 'MessageObject', (await raw('GET', `/threads/${thread.id}/messages/${msg.id}`)).json);

    // ---------------------------------------------------------------------------------------------------
    section('runs.createAndPoll');
    const polled = await client.beta.threads.runs.createAndPoll(thread.id, { assistant_id: plainAssistant.id }, { pollIntervalMs: 50 });
    check(polled.status === 'completed', 'createAndPoll ends completed', polled.status);
    check(polled.usage && polled.usage.total_tokens === polled.usage.prompt_tokens + polled.usage.completion_tokens &&
        polled.usage.completion_tokens > 0, 'the completed Run has plausible usage', polled.usage);
    check(polled.expires_at === null && typeof polled.completed_at === 'number', 'the completed Run has completed_at and no expires_at',
        { expires_at: polled.expires_at, completed_at: polled.completed_at });
    const runMessages = await client.beta.threads.messages.list(thread.id, { run_id: polled.id });
    check(runMessages.data.length === 1 && runMessages.data[0].role === 'assistant' && runMessages.data[0].run_id === polled.id,
        'messages.list filtered by run_id gives the one assistant Message', runMessages.data);
    const wantReply = expectedReply([userText, fileText]);
    check(textOf(runMessages.data[0]) === wantReply, 'the reply text is the documented function of message and file',
        { got: textOf(runMessages.data[0]), want: wantReply });
    const steps = await client.beta.threads.runs.steps.list(polled.id, { thread_id: thread.id });
    check(steps.data.length === 1 && steps.data[0].type === 'message_creation' && steps.data[0].status === 'completed' &&
        steps.data[0].step_details.message_creation.message_id === runMessages.data[0].id,
        'runs.steps.list gives the completed message_creation step', steps.data);
    sample('GET /threads/{id}/runs/{id} (completed)', 'RunObject', (await raw('GET', `/threads/${thread.id}/runs/${polled.id}`)).json);
    sample('GET /threads/{id}/runs', 'ListRunsResponse', (await raw('GET', `/threads/${thread.id}/runs`)).json);
    sample('GET .../steps', 'ListRunStepsResponse', (await raw('GET', `/threads/${thread.id}/runs/${polled.id}/steps`)).json);
    sample('GET .../steps/{id}', 'RunStepObject', (await raw('GET', `/threads/${thread.id}/runs/${polled.id}/steps/${steps.data[0].id}`)).json);
    sample('GET /threads/{id}/messages (after a run)', 'ListMessagesResponse', (await raw('GET', `/threads/${thread.id}/messages`)).json);

    // A tool run, polled: requires_action, then submitToolOutputsAndPoll.
    const toolPolled = await client.beta.threads.runs.createAndPoll(thread.id, { assistant_id: toolAssistant.id }, { pollIntervalMs: 50 });
    const calls = toolPolled.required_action?.submit_tool_outputs?.tool_calls ?? [];
    check(toolPolled.status === 'requires_action' && calls.length === 1 && calls[0].function.name === 'lookup_policy',
        'createAndPoll with a function tool stops at requires_action with the tool call', toolPolled);
    sample('GET /threads/{id}/runs/{id} (requires_action)', 'RunObject', (await raw('GET', `/threads/${thread.id}/runs/${toolPolled.id}`)).json);
    const toolSteps = await raw('GET', `/threads/${thread.id}/runs/${toolPolled.id}/steps`);
    sample('GET .../steps (tool_calls step in progress)', 'ListRunStepsResponse', toolSteps.json);
    const afterTools = await client.beta.threads.runs.submitToolOutputsAndPoll(toolPolled.id, {
        thread_id: thread.id, tool_outputs: [{ tool_call_id: calls[0]?.id, output: 'policy-7' }],
    }, { pollIntervalMs: 50 });
    check(afterTools.status === 'completed', 'submitToolOutputsAndPoll ends completed', afterTools.status);
    const toolStepsDone = await client.beta.threads.runs.steps.list(toolPolled.id, { thread_id: thread.id, order: 'asc' });
    const toolStep = toolStepsDone.data.find((st) => st.type === 'tool_calls');
    check(toolStep?.status === 'completed' && toolStep.step_details.tool_calls[0]?.function?.output === 'policy-7',
        'the completed tool_calls step carries the submitted output', toolStep);
    sample('GET .../steps (tool_calls step completed)', 'ListRunStepsResponse',
        (await raw('GET', `/threads/${thread.id}/runs/${toolPolled.id}/steps`)).json);

    // ---------------------------------------------------------------------------------------------------
    section('runs.stream with a tool call round trip');
    const streamText = 'Second request: accept it, it is a good and true claim.';
    await client.beta.threads.messages.create(thread.id, { role: 'user', content: streamText });
    const events1 = [];
    let deltaText = '';
    let actionRun = null;
    const s1 = client.beta.threads.runs.stream(thread.id, { assistant_id: toolAssistant.id });
    for await (const ev of s1) {
        events1.push(ev.event);
        if (ev.event === 'thread.run.requires_action') actionRun = ev.data;
    }
    const want1 = ['thread.run.created', 'thread.run.queued', 'thread.run.in_progress', 'thread.run.requires_action'];
    check(want1.every((e) => events1.includes(e)) && events1.at(-1) === 'thread.run.requires_action',
        'the first stream ends with thread.run.requires_action', events1);
    const streamCalls = actionRun?.required_action?.submit_tool_outputs?.tool_calls ?? [];
    let args = {};
    try { args = JSON.parse(streamCalls[0]?.function?.arguments ?? 'null') ?? {}; } catch { /* checked below */ }
    check(streamCalls.length === 1 && args.input === streamText,
        'the tool call carries the last user message as JSON arguments', streamCalls);
    check((await s1.finalRun()).status === 'requires_action', 'stream.finalRun() is the requires_action Run');

    const events2 = [];
    const s2 = client.beta.threads.runs.submitToolOutputsStream(actionRun.id, {
        thread_id: thread.id, tool_outputs: [{ tool_call_id: streamCalls[0]?.id, output: 'policy-42' }],
    });
    let textDeltaEvents = 0;
    s2.on('textDelta', (d) => { textDeltaEvents++; deltaText += d.value ?? ''; });
    for await (const ev of s2) events2.push(ev.event);
    const finalRun = await s2.finalRun();
    check(finalRun.status === 'completed' && finalRun.id === actionRun.id, 'the tool-output stream ends with the Run completed', finalRun.status);
    check(events2.includes('thread.message.delta') && events2.at(-1) === 'thread.run.completed',
        'the tool-output stream has message deltas and ends with thread.run.completed', events2);
    const finalMessages = await s2.finalMessages();
    const snapshotText = finalMessages.length ? textOf(finalMessages.at(-1)) : '';
    const wantStream = expectedReply([userText, fileText, streamText]) + '\ntool outputs: lookup_policy=policy-42';
    check(textDeltaEvents > 1 && deltaText === wantStream, 'the text deltas add up to the reply with the tool output',
        { deltas: textDeltaEvents, got: deltaText, want: wantStream });
    check(snapshotText === deltaText, "the SDK's message snapshot equals the concatenated deltas", snapshotText);
    const stored = await client.beta.threads.messages.list(thread.id, { run_id: finalRun.id });
    check(stored.data.length === 1 && textOf(stored.data[0]) === wantStream, 'the stored assistant Message has the streamed text');

    // Raw SSE of create-thread-and-run: every event's data against its schema.
    const sse = await raw('POST', '/threads/runs', {
        assistant_id: plainAssistant.id, stream: true,
        thread: { messages: [{ role: 'user', content: 'yes, approve' }] },
    });
    check(sse.status === 200 && /^text\/event-stream/.test(sse.headers.get('content-type') ?? ''),
        'POST /threads/runs with stream:true answers text/event-stream', sse.headers.get('content-type'));
    const sseEvents = parseSse(sse.text);
    check(sseEvents.at(-1)?.event === 'done' && sseEvents.at(-1)?.data === '[DONE]', 'the raw stream ends with event: done / data: [DONE]',
        sseEvents.map((e) => e.event));
    check(sseEvents[0]?.event === 'thread.created', 'the raw stream starts with thread.created', sseEvents[0]?.event);
    const eventSchema = (name) => {
        if (name === 'thread.created') return 'ThreadObject';
        if (name === 'thread.message.delta') return 'MessageDeltaObject';
        if (name === 'thread.run.step.delta') return 'RunStepDeltaObject';
        if (name.startsWith('thread.run.step.')) return 'RunStepObject';
        if (name.startsWith('thread.run.')) return 'RunObject';
        if (name.startsWith('thread.message.')) return 'MessageObject';
        return null;
    };
    for (const ev of sseEvents) {
        const schema = eventSchema(ev.event);
        if (schema) sample(`SSE ${ev.event}`, schema, JSON.parse(ev.data));
    }

    // An unfinished run, for the schemas of non-terminal objects. A tool run waits in requires_action
    // (until expires_at), so the cancel below cannot race with its completion on a slow machine.
    const t3 = await client.beta.threads.create({ messages: [{ role: 'user', content: 'deny this, it is bad' }] });
    const r3 = await raw('POST', `/threads/${t3.id}/runs`, { assistant_id: toolAssistant.id });
    sample('POST /threads/{id}/runs (queued)', 'RunObject', r3.json);
    await sleep(RUN_MS / 2);
    sample('GET /threads/{id}/runs/{id} (in_progress or requires_action)', 'RunObject', (await raw('GET', `/threads/${t3.id}/runs/${r3.json.id}`)).json);
    sample('GET /threads/{id}/messages (unfinished run)', 'ListMessagesResponse', (await raw('GET', `/threads/${t3.id}/messages`)).json);
    sample('GET .../steps (unfinished run)', 'ListRunStepsResponse', (await raw('GET', `/threads/${t3.id}/runs/${r3.json.id}/steps`)).json);
    const cancelled = await raw('POST', `/threads/${t3.id}/runs/${r3.json.id}/cancel`);
    sample('POST .../cancel', 'RunObject', cancelled.json);
    check(cancelled.status === 200 && ['cancelling', 'cancelled'].includes(cancelled.json?.status), 'cancel answers the Run cancelling',
        cancelled.json?.status);
    const afterCancel = await client.beta.threads.runs.poll(r3.json.id, { thread_id: t3.id }, { pollIntervalMs: 20 });
    check(afterCancel.status === 'cancelled' && typeof afterCancel.cancelled_at === 'number', 'runs.poll sees the Run cancelled',
        afterCancel.status);
    sample('GET /threads/{id}/runs/{id} (cancelled)', 'RunObject', (await raw('GET', `/threads/${t3.id}/runs/${r3.json.id}`)).json);
    sample('GET /threads/{id}/messages (incomplete message)', 'ListMessagesResponse', (await raw('GET', `/threads/${t3.id}/messages`)).json);
    sample('GET .../steps (cancelled run)', 'ListRunStepsResponse', (await raw('GET', `/threads/${t3.id}/runs/${r3.json.id}/steps`)).json);

    // A run with every optional parameter, so that their echoes are validated too.
    const t4 = await client.beta.threads.create({ messages: [{ role: 'user', content: 'true or false?', metadata: { n: '1' } }] });
    const r4 = await raw('POST', `/threads/${t4.id}/runs`, {
        assistant_id: plainAssistant.id, model: 'gpt-4o', instructions: 'Be brief.', additional_instructions: 'Really brief.',
        additional_messages: [{ role: 'user', content: 'yes, true' }], tools: [tool], metadata: { run: 'full' },
        temperature: 0.5, top_p: 0.9, max_prompt_tokens: 1000, max_completion_tokens: 500,
        truncation_strategy: { type: 'last_messages', last_messages: 5 },
        tool_choice: { type: 'function', function: { name: 'lookup_policy' } }, parallel_tool_calls: false,
        response_format: 'auto',
    });
    check(r4.status === 200 && r4.json?.model === 'gpt-4o' && r4.json?.truncation_strategy?.last_messages === 5,
        'a run created with every optional parameter echoes them', r4.json);
    sample('POST /threads/{id}/runs (every option)', 'RunObject', r4.json);
    await raw('POST', `/threads/${t4.id}/runs/${r4.json?.id}/cancel`);

    // ---------------------------------------------------------------------------------------------------
    section('auto-pagination');
    const pageThread = await client.beta.threads.create();
    const created = [];
    for (let i = 0; i < 25; i++) {
        created.push((await client.beta.threads.messages.create(pageThread.id, { role: 'user', content: `message ${i}` })).id);
    }
    const ascIds = [];
    for await (const m of client.beta.threads.messages.list(pageThread.id, { limit: 10, order: 'asc' })) ascIds.push(m.id);
    check(JSON.stringify(ascIds) === JSON.stringify(created), 'for await over messages.list(limit 10, asc) gives all 25 in order',
        { got: ascIds.length });
    const descIds = [];
    for await (const m of client.beta.threads.messages.list(pageThread.id, { limit: 7 })) descIds.push(m.id);
    check(JSON.stringify(descIds) === JSON.stringify([...created].reverse()), 'the default order is desc, across 4 pages',
        { got: descIds.length });
    let page = await client.beta.threads.messages.list(pageThread.id, { limit: 10, order: 'asc' });
    const pageSizes = [page.data.length];
    while (page.hasNextPage()) {
        page = await page.getNextPage();
        pageSizes.push(page.data.length);
    }
    check(JSON.stringify(pageSizes) === '[10,10,5]', 'page by page: 10, 10, 5 and has_more false at the end', pageSizes);
    const mid = await raw('GET', `/threads/${pageThread.id}/messages?limit=5&order=asc&after=${created[9]}`);
    check(JSON.stringify(mid.json?.data?.map((m) => m.id)) === JSON.stringify(created.slice(10, 15)) &&
        mid.json.first_id === created[10] && mid.json.last_id === created[14] && mid.json.has_more === true,
        'after= cursor and first_id/last_id/has_more are exact', mid.json && { first: mid.json.first_id, last: mid.json.last_id });
    const before = await raw('GET', `/threads/${pageThread.id}/messages?limit=3&order=asc&before=${created[9]}`);
    check(JSON.stringify(before.json?.data?.map((m) => m.id)) === JSON.stringify(created.slice(6, 9)),
        'before= cursor gives the items just before it, in list order');
    sample('GET /threads/{id}/messages?after', 'ListMessagesResponse', mid.json);

    // ---------------------------------------------------------------------------------------------------
    section('vector stores');
    const vs = await client.vectorStores.create({
        name: 'compat store', file_ids: [file.id], expires_after: { anchor: 'last_active_at', days: 7 }, metadata: { k: 'v' },
    });
    check(/^vs_/.test(vs.id) && vs.object === 'vector_store', 'vectorStores.create returns a VectorStore', vs);
    sample('POST /vector_stores', 'VectorStoreObject', (await raw('GET', `/vector_stores/${vs.id}`)).json);
    const vsFile = await client.vectorStores.files.createAndPoll(vs.id, { file_id: file2.id }, { pollIntervalMs: 50 });
    check(vsFile.status === 'completed' && vsFile.vector_store_id === vs.id, 'vectorStores.files.createAndPoll ends completed', vsFile);
    sample('GET /vector_stores/{id}/files/{id}', 'VectorStoreFileObject', (await raw('GET', `/vector_stores/${vs.id}/files/${file2.id}`)).json);
    sample('GET /vector_stores/{id}/files', 'ListVectorStoreFilesResponse', (await raw('GET', `/vector_stores/${vs.id}/files`)).json);
    const file3 = await client.files.create({ file: await toFile(Buffer.from('third'), 'third.txt'), purpose: 'assistants' });
    const batch = await client.vectorStores.fileBatches.createAndPoll(vs.id, { file_ids: [file3.id] }, { pollIntervalMs: 50 });
    check(batch.status === 'completed' && batch.file_counts.completed === 1, 'vectorStores.fileBatches.createAndPoll ends completed', batch);
    sample('GET /vector_stores/{id}/file_batches/{id}', 'VectorStoreFileBatchObject',
        (await raw('GET', `/vector_stores/${vs.id}/file_batches/${batch.id}`)).json);
    sample('GET .../file_batches/{id}/files', 'ListVectorStoreFilesResponse',
        (await raw('GET', `/vector_stores/${vs.id}/file_batches/${batch.id}/files`)).json);
    const vsDone = await client.vectorStores.retrieve(vs.id);
    check(vsDone.file_counts.completed === 3 && vsDone.file_counts.total === 3, 'the VectorStore counts its 3 completed files', vsDone.file_counts);
    sample('GET /vector_stores', 'ListVectorStoresResponse', (await raw('GET', '/vector_stores')).json);
    const vsfDel = await raw('DELETE', `/vector_stores/${vs.id}/files/${file3.id}`);
    sample('DELETE /vector_stores/{id}/files/{id}', 'DeleteVectorStoreFileResponse', vsfDel.json);
    const vsDel = await client.vectorStores.delete(vs.id);
    check(vsDel.deleted === true && vsDel.id === vs.id, 'vectorStores.delete', vsDel);

    // ---------------------------------------------------------------------------------------------------
    section('deletes and errors');
    const mDel = await client.beta.threads.messages.delete(created[0], { thread_id: pageThread.id });
    check(mDel.deleted === true && mDel.object === 'thread.message.deleted', 'messages.delete', mDel);
    const tDelRaw = await raw('DELETE', `/threads/${pageThread.id}`);
    sample('DELETE /threads/{id}', 'DeleteThreadResponse', tDelRaw.json);
    const tDel = await client.beta.threads.delete(thread.id);
    check(tDel.deleted === true && tDel.object === 'thread.deleted', 'threads.delete', tDel);
    await expectThrow(client.beta.threads.retrieve(thread.id), NotFoundError, 'a deleted Thread gives NotFoundError (404)');
    const aDel = await client.beta.assistants.delete(toolAssistant.id);
    check(aDel.deleted === true && aDel.object === 'assistant.deleted', 'assistants.delete', aDel);
    sample('DELETE /assistants/{id}', 'DeleteAssistantResponse', (await raw('DELETE', `/assistants/${plainAssistant.id}`)).json);
    const fDel = await client.files.delete(file.id);
    check(fDel.deleted === true && fDel.id === file.id, 'files.delete', fDel);
    sample('DELETE /files/{id}', 'DeleteFileResponse', (await raw('DELETE', `/files/${file2.id}`)).json);
    const nf = await expectThrow(client.files.retrieve(file.id), NotFoundError, 'a deleted File gives NotFoundError (404)');
    check(nf?.status === 404 && typeof nf?.error?.message === 'string', 'the 404 carries OpenAI\'s error object', nf?.error);

    const e404 = await raw('GET', '/assistants/asst_doesnotexist');
    check(e404.status === 404, 'unknown assistant id: 404', e404.status);
    sample('404 unknown assistant', 'ErrorResponse', e404.json);
    const bad = await expectThrow(client.beta.assistants.create({ model, bogus_field: 1 }), BadRequestError,
        'an unknown body field gives BadRequestError (400)');
    check(/Unrecognized request argument supplied: bogus_field/.test(bad?.message ?? ''), 'its message names the field', bad?.message);
    sample('400 unknown field', 'ErrorResponse', (await raw('POST', '/assistants', { model, bogus_field: 1 })).json);
    sample('400 missing beta header', 'ErrorResponse', (await raw('GET', '/assistants', undefined, { 'OpenAI-Beta': '' })).json);
    const noAuth = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0, defaultHeaders: { Authorization: null } });
    await expectThrow(noAuth.files.list().then((p) => p), AuthenticationError, 'no Authorization header gives AuthenticationError (401)');
    sample('401 no auth', 'ErrorResponse', (await raw('GET', '/files', undefined, { Authorization: '' })).json);

    // ---------------------------------------------------------------------------------------------------
    section('responses: background + retrieve, stream, cancel');
    const bgText = 'Please approve this: it is good.';
    const bg = await client.responses.create({ model, input: bgText, background: true, metadata: { suite: 'compat' } });
    check(/^resp_/.test(bg.id) && bg.object === 'response' && bg.status === 'queued' && bg.background === true,
        'responses.create (background) answers a queued Response', bg);
    sample('POST /responses (background, queued)', 'Response', withoutNullUsage((await raw('GET', `/responses/${bg.id}`)).json));
    let polledResp = bg;
    for (let i = 0; i < 200 && ['queued', 'in_progress'].includes(polledResp.status); i++) {
        await sleep(20);
        polledResp = await client.responses.retrieve(bg.id);
    }
    check(polledResp.status === 'completed' && polledResp.output_text === expectedReply([bgText]),
        'responses.retrieve until done: completed, and the SDK\'s output_text is the documented reply',
        { status: polledResp.status, got: polledResp.output_text, want: expectedReply([bgText]) });
    check(polledResp.usage?.input_tokens > 0 && polledResp.usage?.input_tokens_details?.cached_tokens === 0 &&
        polledResp.usage?.output_tokens_details?.reasoning_tokens === 0, 'the completed Response has usage with details', polledResp.usage);
    sample('GET /responses/{id} (completed)', 'Response', (await raw('GET', `/responses/${bg.id}`)).json);
    const inputItems = [];
    for await (const it of client.responses.inputItems.list(bg.id)) inputItems.push(it);
    check(inputItems.length === 1 && inputItems[0].type === 'message' && inputItems[0].role === 'user',
        'responses.inputItems.list gives the user message', inputItems);
    sample('GET /responses/{id}/input_items', 'ResponseItemList', (await raw('GET', `/responses/${bg.id}/input_items`)).json);

    const streamTextR = 'Deny it, this is bad and false.';
    const rstream = await client.responses.create({ model, input: streamTextR, stream: true });
    const rtypes = [];
    let rdeltas = '';
    let rfinal = null;
    const rseqs = [];
    for await (const ev of rstream) {
        rtypes.push(ev.type);
        rseqs.push(ev.sequence_number);
        if (ev.type === 'response.output_text.delta') rdeltas += ev.delta;
        if (ev.type === 'response.completed') rfinal = ev.response;
        sample(`SSE ${ev.type}`, 'ResponseStreamEvent', withoutNullUsage(ev));
    }
    check(rtypes[0] === 'response.created' && rtypes.at(-1) === 'response.completed' && rtypes.includes('response.output_text.delta'),
        'responses.create (stream) goes from response.created to response.completed with text deltas', rtypes);
    check(rseqs.every((n, i) => n === i), 'the sequence numbers count up from 0', rseqs);
    check(rdeltas === expectedReply([streamTextR]) && rfinal?.output?.[0]?.content?.[0]?.text === rdeltas,
        'the deltas add up to the reply', { got: rdeltas, want: expectedReply([streamTextR]) });

    const longRun = await startEmulator(['--run-ms', '60000', '--seed', '5']);
    const lc = new OpenAI({ baseURL: `${longRun.url}/v1`, apiKey: 'sk-compat', maxRetries: 0 });
    const toCancel = await lc.responses.create({ model, input: 'x', background: true });
    const cancelledResp = await lc.responses.cancel(toCancel.id);
    check(cancelledResp.status === 'cancelled' && cancelledResp.id === toCancel.id, 'responses.cancel answers the Response cancelled', cancelledResp.status);
    const cancelAgain = await lc.responses.cancel(toCancel.id);
    check(cancelAgain.status === 'cancelled', 'cancelling again is idempotent');
    await expectThrow(client.responses.cancel(bg.id), BadRequestError, 'cancelling a completed Response gives BadRequestError (400)');
    longRun.child.kill('SIGTERM');

    const tokens = await raw('POST', '/responses/input_tokens', { model, input: 'twelve bytes' });
    check(tokens.json?.object === 'response.input_tokens' && tokens.json?.input_tokens === 3, 'POST /responses/input_tokens counts the input', tokens.json);
    sample('POST /responses/input_tokens', 'TokenCountsResource', tokens.json);
    const badResp = await expectThrow(client.responses.create({ model, input: 'x', bogus_field: 1 }), BadRequestError,
        'an unknown field on responses.create gives BadRequestError (400)');
    check(/Unrecognized request argument supplied: bogus_field/.test(badResp?.message ?? ''), 'its message names the field', badResp?.message);

    // ---------------------------------------------------------------------------------------------------
    section('conversations');
    const conv = await client.conversations.create({ metadata: { suite: 'compat' }, items: [{ role: 'user', content: 'good' }] });
    check(/^conv_/.test(conv.id) && conv.object === 'conversation' && conv.metadata?.suite === 'compat',
        'conversations.create returns a Conversation', conv);
    sample('GET /conversations/{id}', 'ConversationResource', (await raw('GET', `/conversations/${conv.id}`)).json);
    const turn = await client.responses.create({ model, input: 'and true', conversation: conv.id });
    check(turn.status === 'completed' && turn.conversation?.id === conv.id &&
        turn.output_text === expectedReply(['good', 'and true']), 'a response on the conversation reads its items first', turn.output_text);
    const convItems = [];
    for await (const it of client.conversations.items.list(conv.id, { order: 'asc' })) convItems.push(it);
    check(convItems.length === 3 && convItems[1].type === 'message' && convItems[2].role === 'assistant',
        'conversations.items.list (asc) gives the first item, the input and the reply', convItems.map((i) => `${i.type}/${i.role}`));
    sample('GET /conversations/{id}/items', 'ConversationItemList', (await raw('GET', `/conversations/${conv.id}/items`)).json);
    const convDel = await raw('DELETE', `/conversations/${conv.id}`);
    sample('DELETE /conversations/{id}', 'DeletedConversationResource', convDel.json);
    await expectThrow(client.conversations.retrieve(conv.id), NotFoundError, 'a deleted Conversation gives NotFoundError (404)');

    // ---------------------------------------------------------------------------------------------------
    section('batch API and webhooks (an emulator delivering to a receiver of this script)');
    // The events are verified by the SDK's own client.webhooks.unwrap: the emulator signs as the service
    // does by the official SDK's reading, not by paced's.
    const hookSecret = 'whsec_cGFjZWQtY29tcGF0LXdlYmhvb2stc2VjcmV0';
    const deliveries = [];
    const hookServer = http.createServer((req, res) => {
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (d) => { body += d; });
        req.on('end', () => {
            deliveries.push({ headers: req.headers, body });
            res.writeHead(200).end();
        });
    });
    await new Promise((r) => hookServer.listen(0, '127.0.0.1', r));
    try {
        const hooked = await startEmulator(['--batch-ms', '600', '--run-ms', '300', '--seed', '9',
            '--webhook-url', `http://127.0.0.1:${hookServer.address().port}/hooks`, '--webhook-secret', hookSecret]);
        const hc = new OpenAI({ baseURL: `${hooked.url}/v1`, apiKey: 'sk-compat', maxRetries: 0, webhookSecret: hookSecret });
        const hraw = rawClient(`${hooked.url}/v1`);
        const lines = ['good', 'bad', 'approve'].map((t, i) => JSON.stringify({
            custom_id: `c-${i}`, method: 'POST', url: '/v1/responses', body: { model, input: t } }));
        const input = await hc.files.create({ file: await toFile(Buffer.from(lines.join('\n') + '\n'), 'in.jsonl'), purpose: 'batch' });
        const batch = await hc.batches.create({ input_file_id: input.id, endpoint: '/v1/responses', completion_window: '24h' });
        check(/^batch_/.test(batch.id) && batch.status === 'validating' && batch.input_file_id === input.id,
            'batches.create answers a validating Batch', batch);
        sample('POST /batches', 'Batch', withoutNullMembers((await hraw('GET', `/batches/${batch.id}`)).json));
        let done = batch;
        for (let i = 0; i < 100 && !['completed', 'failed', 'expired', 'cancelled'].includes(done.status); i++) {
            await sleep(100);
            done = await hc.batches.retrieve(batch.id);
        }
        check(done.status === 'completed' && done.request_counts?.total === 3 && done.request_counts?.completed === 3,
            'batches.retrieve until done: completed, 3 of 3 requests', done);
        sample('GET /batches/{id} (completed)', 'Batch', withoutNullMembers((await hraw('GET', `/batches/${batch.id}`)).json));
        const output = await (await hc.files.content(done.output_file_id)).text();
        const results = output.trim().split('\n').map((l) => JSON.parse(l));
        check(results.map((r) => r.custom_id).sort().join() === 'c-0,c-1,c-2' &&
            results.every((r) => r.response?.status_code === 200 && r.response?.body?.object === 'response'),
            'the output file holds one result per custom_id, each a Response', results);
        const listed = [];
        for await (const b of hc.batches.list()) listed.push(b.id);
        check(listed.includes(batch.id), 'batches.list includes it', listed);
        sample('GET /batches', 'ListBatchesResponse', withoutNullMembers((await hraw('GET', '/batches')).json));

        const bgHooked = await hc.responses.create({ model, input: 'good', background: true });
        for (let i = 0; i < 100 && deliveries.length < 2; i++) await sleep(50);
        const events = [];
        for (const d of deliveries) {
            try {
                events.push(await hc.webhooks.unwrap(d.body, d.headers, hookSecret));
            } catch (e) {
                check(false, 'client.webhooks.unwrap verifies the delivery', `${e?.constructor?.name}: ${e?.message}`);
            }
        }
        const byType = Object.fromEntries(events.map((e) => [e.type, e]));
        check(byType['batch.completed']?.data?.id === batch.id, 'a batch.completed event names the batch, verified by the SDK',
            events.map((e) => `${e.type} ${e.data?.id}`));
        check(byType['response.completed']?.data?.id === bgHooked.id,
            'a response.completed event names the background response, verified by the SDK', events.map((e) => e.type));
        for (const d of deliveries) {
            const ev = JSON.parse(d.body);
            sample(`webhook ${ev.type}`, ev.type === 'batch.completed' ? 'WebhookBatchCompleted' : 'WebhookResponseCompleted', ev);
        }
        await expectThrow(hc.webhooks.unwrap(deliveries[0]?.body ?? '{}', { ...deliveries[0]?.headers, 'webhook-signature': 'v1,AAAA' }, hookSecret),
            Error, 'a changed signature is refused by the SDK');

        hooked.child.kill('SIGTERM');
        const slow = await startEmulator(['--batch-ms', '60000', '--seed', '9']);
        const sc = new OpenAI({ baseURL: `${slow.url}/v1`, apiKey: 'sk-compat', maxRetries: 0 });
        const slowInput = await sc.files.create({ file: await toFile(Buffer.from(lines.join('\n') + '\n'), 'in.jsonl'), purpose: 'batch' });
        const slowBatch = await sc.batches.create({ input_file_id: slowInput.id, endpoint: '/v1/responses', completion_window: '24h' });
        const cancelling = await sc.batches.cancel(slowBatch.id);
        check(cancelling.status === 'cancelling', 'batches.cancel answers it cancelling', cancelling.status);
        await expectThrow(sc.batches.create({ input_file_id: slowInput.id, endpoint: '/v1/responses', completion_window: '48h' }),
            BadRequestError, 'a completion_window other than 24h gives BadRequestError (400)');
        slow.child.kill('SIGTERM');
    } finally {
        hookServer.close();
    }

    // ---------------------------------------------------------------------------------------------------
    section('rate limit (second emulator, --rpm 60)');
    const limited = await startEmulator(['--rpm', '60', '--seed', '3']);
    const lclient = new OpenAI({ baseURL: `${limited.url}/v1`, apiKey: 'sk-compat', maxRetries: 0 });
    const burst = await Promise.allSettled(Array.from({ length: 8 }, () => lclient.beta.assistants.list()));
    const ok = burst.filter((r) => r.status === 'fulfilled').length;
    const rl = burst.filter((r) => r.status === 'rejected').map((r) => r.reason);
    // Burst 1 at 60 RPM: one passes, the others arrive within the same second (allowing for a slow machine).
    check(ok >= 1 && ok <= 4, 'a burst of 8 at 60 RPM: the first gets through, most are refused', { ok });
    check(rl.length >= 4 && rl.every((e) => e instanceof RateLimitError), 'every refused request is a RateLimitError',
        rl.map((e) => `${e?.constructor?.name}: ${e?.message}`));
    const e = rl[0];
    if (e) {
        check(e.status === 429 && e.code === 'rate_limit_exceeded' && e.type === 'requests',
            'status 429, code rate_limit_exceeded, type requests', { status: e.status, code: e.code, type: e.type });
        const ra = e.headers?.get?.('retry-after');
        check(/^[1-9][0-9]*$/.test(ra ?? ''), 'retry-after is an integer number of seconds >= 1', ra);
        check(/^Rate limit reached for default in organization org-\S+ on requests per min \(RPM\): Limit 60, Used \d+, Requested 1\. Please try again in [0-9.]+m?s\. Visit https:\/\/platform\.openai\.com\/account\/rate-limits to learn more\.$/
            .test(e.error?.message ?? ''), 'the message has OpenAI\'s exact wording', e.error?.message);
        check(e.headers?.get?.('x-ratelimit-limit-requests') === '60', 'x-ratelimit-limit-requests is 60 on the 429',
            e.headers?.get?.('x-ratelimit-limit-requests'));
        check(typeof e.requestID === 'string' && e.requestID.startsWith('req_'), 'the error carries the x-request-id', e.requestID);
    }
    const raw429 = await rawClient(`${limited.url}/v1`)('GET', '/assistants');
    check(raw429.status === 429, 'one more raw request right after: 429', raw429.status);
    sample('429 rate limit', 'ErrorResponse', raw429.json);
} catch (err) {
    check(false, 'the SDK scenario ran to its end', err?.stack ?? String(err));
}

// ---------------------------------------------------------------------------------------------------------
section('schemas (OpenAPI spec)');
let skipped = null;
if (!specPromise) {
    skipped = `the OpenAPI spec is not at ${specPath} (set PACED_OPENAPI_SPEC); ${samples.length} samples not validated`;
    console.log(`  SKIP ${skipped}`);
} else {
    try {
        await validateSamples(await specPromise);
    } catch (err) {
        check(false, `loading the spec ${specPath}`, err?.stack ?? String(err));
    }
}

console.log(`\ncompat: ${passes} passed, ${failures} failed`);
// The marker makes ctest report the test as Skipped, not Passed (tests/common/test_skip.hpp). ctest then
// ignores the exit code, so a run with failures does not print it: they must show as a failure.
if (skipped && !failures) console.log(`PACED_TEST_SKIPPED: ${skipped}`);
killChildren();
process.exit(failures ? 1 : 0);

// SPEC's example of the batch object (x-oaiMeta "The batch object") has `errors`, `failed_at`,
// `cancelled_at`... null, as a batch that has not failed or been cancelled shows them, but SPEC types
// those members as non-nullable: the batch samples leave the nulls out rather than fail on that gap.
function withoutNullMembers(batchOrList) {
    const strip = (b) => Object.fromEntries(Object.entries(b).filter(([, x]) => x !== null));
    return Array.isArray(batchOrList?.data) ? { ...batchOrList, data: batchOrList.data.map(strip) } : strip(batchOrList);
}

// OpenAI sends `usage: null` while a response has not ended (SPEC's own stream example), but SPEC types
// Response.usage as a non-nullable object: the samples leave the null out rather than fail on that gap.
function withoutNullUsage(v) {
    if (Array.isArray(v)) return v.map(withoutNullUsage);
    if (!v || typeof v !== 'object') return v;
    const out = {};
    for (const [k, x] of Object.entries(v)) if (!(k === 'usage' && x === null)) out[k] = withoutNullUsage(x);
    return out;
}

// =======================================================================================================
async function validateSamples(spec) {
    const { default: Ajv2020 } = await import('ajv/dist/2020.js');
    const { default: addFormats } = await import('ajv-formats');
    console.log(`  (spec ${path.basename(specPath)}, OpenAPI ${spec.openapi}, ${Object.keys(spec.components.schemas).length} component schemas)`);
    // OpenAPI 3.0 leftovers: `nullable: true` means "or null"; rewrite it into JSON Schema.
    (function fixNullable(node) {
        if (Array.isArray(node)) return node.forEach(fixNullable);
        if (!node || typeof node !== 'object') return;
        for (const v of Object.values(node)) fixNullable(v);
        if ('nullable' in node) {
            const nullable = node.nullable === true;
            delete node.nullable;
            if (!nullable) return;
            if (node.type !== undefined) {
                node.type = [...new Set([...(Array.isArray(node.type) ? node.type : [node.type]), 'null'])];
                if (Array.isArray(node.enum) && !node.enum.includes(null)) node.enum.push(null);
            } else {
                const inner = { ...node };
                for (const k of Object.keys(node)) delete node[k];
                node.anyOf = [inner, { type: 'null' }];
            }
        }
    })(spec.components);
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false, logger: false });
    addFormats(ajv);
    const formats = new Set();
    (function collect(node) {
        if (Array.isArray(node)) return node.forEach(collect);
        if (!node || typeof node !== 'object') return;
        if (typeof node.format === 'string') formats.add(node.format);
        for (const v of Object.values(node)) collect(v);
    })(spec.components);
    for (const f of formats) if (!ajv.formats[f]) ajv.addFormat(f, true); // e.g. `unixtime`, `binary`
    ajv.addSchema({ $id: 'https://paced.invalid/openapi.json', components: spec.components });
    const counts = {};
    const validators = new Map();
    for (const { what, schema, body } of samples) {
        if (!validators.has(schema)) {
            const v = ajv.getSchema(`https://paced.invalid/openapi.json#/components/schemas/${schema}`);
            validators.set(schema, v);
            if (!v) check(false, `the spec has the component schema ${schema}`);
        }
        const validate = validators.get(schema);
        if (!validate) continue;
        const okSample = body !== undefined && validate(body);
        counts[schema] = (counts[schema] ?? 0) + 1;
        check(okSample, `${what} matches ${schema}`,
            body === undefined ? 'the answer was not JSON'
                : (validate.errors ?? []).slice(0, 8).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`).join('\n       '));
    }
    console.log(`  validated ${samples.length} answers: ${Object.entries(counts).map(([k, v]) => `${k}×${v}`).join(', ')}`);
}
