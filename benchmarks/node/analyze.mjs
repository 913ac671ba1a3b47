#!/usr/bin/env node
// Turns the raw outputs of benchmarks/run.sh (emulator request logs and stats, the clients' JSON and
// /usr/bin/time lines) into the markdown table (stdout and results.md) and the plot's data files.
// Usage: node analyze.mjs WORK_DIR RESULTS_DIR   (settings come from WORK_DIR/settings.json)

import fs from 'node:fs';
import path from 'node:path';

const [work, results] = process.argv.slice(2);
const S = JSON.parse(fs.readFileSync(path.join(work, 'settings.json'), 'utf8'));
const read = (f) => fs.readFileSync(path.join(work, f), 'utf8');
const exists = (f) => fs.existsSync(path.join(work, f));
const json = (f) => (exists(f) ? JSON.parse(read(f)) : null);

// The routes that create a run draw from the per-model budget; every other request from the org-wide one.
const modelRoute = (route) => route === 'POST /v1/threads/runs' || route === 'POST /v1/threads/{thread_id}/runs';
const runRoutes = new Set(['POST /v1/threads/runs', 'POST /v1/threads/{thread_id}/runs',
                           'GET /v1/threads/{thread_id}/runs/{run_id}']);

/** Parses "<ms> <status> <METHOD> <path> [run id]" lines. */
function requestLog(name) {
    if (!exists(`${name}.log`)) return [];
    return read(`${name}.log`).split('\n').filter(Boolean).map((l) => {
        const [ms, status, method, route, runId] = l.split(' ');
        return { ms: Number(ms), status: Number(status), route: `${method} ${route}`, runId };
    });
}

/** /usr/bin/time -f "%e %U %S %M" output: the last line that has four numbers. */
function timeFile(name) {
    if (!exists(`${name}.time`)) return null;
    const lines = read(`${name}.time`).trim().split('\n').reverse();
    for (const l of lines) {
        const p = l.trim().split(/\s+/).map(Number);
        if (p.length === 4 && p.every((x) => Number.isFinite(x)))
            return { wall: p[0], user: p[1], sys: p[2], cpu: p[1] + p[2], rssMiB: p[3] / 1024 };
    }
    return null;
}

function percentile(sorted, p) {
    if (!sorted.length) return NaN;
    const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
    return sorted[i];
}

/** Per run: creation time (the answer that carried the run) and the last retrieval of it. */
function lags(log) {
    const created = new Map();
    const last = new Map();
    for (const r of log) {
        if (!r.runId || r.status !== 200) continue;
        if (modelRoute(r.route)) created.set(r.runId, r.ms);
        else if (r.route === 'GET /v1/threads/{thread_id}/runs/{run_id}') last.set(r.runId, r.ms);
    }
    const lag = [];
    const turnaround = [];
    for (const [id, c] of created) {
        const l = last.get(id);
        if (l === undefined) continue;
        turnaround.push(l - c);
        lag.push(Math.max(0, l - (c + S.run_ms)));
    }
    lag.sort((a, b) => a - b);
    turnaround.sort((a, b) => a - b);
    return { n: lag.length, p50: percentile(lag, 50), p99: percentile(lag, 99),
             turn50: percentile(turnaround, 50), turn99: percentile(turnaround, 99) };
}

/** Everything one emulator run tells about a client. */
function scenario(name) {
    const log = requestLog(name);
    const stats = json(`${name}.stats.json`);
    const count = (pred) => log.filter(pred).length;
    const org = count((r) => !modelRoute(r.route) && r.status !== 429);
    const model = count((r) => modelRoute(r.route) && r.status !== 429);
    const runReqs = count((r) => runRoutes.has(r.route));
    const replyReqs = count((r) => r.route === 'GET /v1/threads/{thread_id}/messages');
    return { name, log, stats, org, model, runReqs, replyReqs, time: timeFile(name), lag: lags(log),
             requests: stats ? stats.requests_total : log.length,
             r429: stats ? stats.rate_limited_429 : count((r) => r.status === 429) };
}

const fmt = (x, d = 1) => (x === null || x === undefined || Number.isNaN(x) ? 'n/a' : Number(x).toFixed(d));
const pct = (x) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : 'n/a');
const rows = [];
const notes = [];
const layout = S.layout ?? 'per-model';
const budget = (sc, done) => {
    // Requests each completed file needed in each budget (the one-time assistant creation excluded). On the
    // global layout every request draws from one budget, so the limit is set by all of them together.
    const perOrg = done ? (sc.org - 1) / done : NaN;
    const perModel = done ? sc.model / done : NaN;
    const busiest = layout === 'global' ? perOrg + perModel : Math.max(perOrg, perModel);
    return { perOrg, perModel, all: perOrg + perModel, limit: S.rpm / busiest };
};

// ---- 1. budget use: paced-batch, stream and poll ---------------------------------------------------
rows.push('### 1. Budget use: ' + `${S.files} files at RPM ${S.rpm} (TPM ${S.tpm}), runs of ${S.run_ms} ms, ${layout} layout`);
rows.push('');
rows.push('| client | completed | failed | wall s | files/min | requests per file (all: org / model) | physical limit files/min | share of limit | 429s | completion lag p50 / p99 ms | run creation to completion seen p50 / p99 ms |');
rows.push('|---|---|---|---|---|---|---|---|---|---|---|');
const sc = {};
for (const [name, label] of [['paced_stream', 'paced-batch --mode stream'],
                             ['peer_stream', 'Node SDK + GCRA pacer on fetch, createAndRunStream'],
                             ['paced_poll', 'paced-batch --mode poll'],
                             ['peer_poll', 'Node SDK + GCRA pacer on fetch, createAndRunPoll + reply']]) {
    const s = scenario(name);
    sc[name] = s;
    const st = json(name.startsWith('peer') ? `${name}.json` : `${name}.batch.json`);
    if (!st) {
        rows.push(`| ${label} | did not run | | | | | | | | | |`);
        continue;
    }
    const b = budget(s, st.completed);
    const rate = (st.completed / st.wall_seconds) * 60;
    s.completed = st.completed;
    s.wall = st.wall_seconds;
    const streamed = name.endsWith('stream');
    const lagCell = streamed ? 'pushed at the run\'s end (≈0, see note)' : `${fmt(s.lag.p50, 0)} / ${fmt(s.lag.p99, 0)}`;
    const turnCell = streamed ? `${S.run_ms} (by construction)` : `${fmt(s.lag.turn50, 0)} / ${fmt(s.lag.turn99, 0)}`;
    rows.push(`| ${label} | ${st.completed}/${st.files} | ${st.failed} | ${fmt(st.wall_seconds)} | ${fmt(rate)} | ` +
              `${fmt(b.all, 2)}: ${fmt(b.perOrg, 2)} / ${fmt(b.perModel, 2)} | ${fmt(b.limit)} | ${pct(rate / b.limit)} | ${s.r429} | ${lagCell} | ${turnCell} |`);
}
rows.push('');

// ---- 2. the official Node SDK ------------------------------------------------------------------------
rows.push(`### 2. The official Node SDK (openai ${S.node_sdk}) on the same workload`);
rows.push('');
rows.push('| client | completed | failed | 429s received | requests sent | wall s | files/min | failures by error |');
rows.push('|---|---|---|---|---|---|---|---|');
for (const [name, label] of [['node_all', 'Promise.all over createAndPoll (default retries)'],
                             ['node_naive', `sequential loop, sleeping ${S.naive_pause_ms} ms between files, stopped after ${S.naive_cap_s} s`]]) {
    const s = scenario(name);
    sc[name] = s;
    const r = json(`${name}.json`);
    if (!r) {
        rows.push(`| ${label} | did not run | | | | | | |`);
        continue;
    }
    s.completed = r.completed;
    // The loop lets the file in flight at the cap finish: it counts for the cost per run, not the rate.
    s.finished = name === 'node_naive' ? r.attempted - r.failed : r.completed;
    s.wall = r.wall_seconds;
    const errs = Object.entries(r.errors).map(([k, v]) => `${v}× ${k}`).join(', ') || '—';
    const wall = name === 'node_naive' ? Math.min(r.wall_seconds, S.naive_cap_s) : r.wall_seconds;
    rows.push(`| ${label} | ${r.completed}/${name === 'node_naive' ? `${r.attempted} started` : r.files} | ${r.failed} | ${s.r429} | ${s.requests} | ` +
              `${fmt(r.wall_seconds)} | ${fmt((r.completed / wall) * 60)} | ${errs} |`);
}
rows.push('');

// ---- 3. client cost ----------------------------------------------------------------------------------
rows.push('### 3. Client cost');
rows.push('');
rows.push('| client | requests sent | CPU s (user + sys) | CPU µs per request | CPU ms per completed file | peak RSS MiB |');
rows.push('|---|---|---|---|---|---|');
const cpuPer = {};
for (const [name, label] of [['paced_stream', 'paced-batch --mode stream'], ['paced_poll', 'paced-batch --mode poll'],
                             ['node_all', 'Node SDK, Promise.all']]) {
    const s = sc[name];
    if (!s || !s.time) {
        rows.push(`| ${label} | n/a | n/a | n/a | n/a | n/a |`);
        continue;
    }
    cpuPer[name] = (s.time.cpu * 1e6) / s.requests;
    const perFile = s.completed ? fmt((s.time.cpu * 1e3) / s.completed, 2) : 'none completed';
    rows.push(`| ${label} | ${s.requests} | ${fmt(s.time.cpu, 2)} (${fmt(s.time.user, 2)} + ${fmt(s.time.sys, 2)}) | ` +
              `${fmt(cpuPer[name], 0)} | ${perFile} | ${fmt(s.time.rssMiB)} |`);
}
const conc = json('concurrent.json');
const concTime = timeFile('concurrent');
const concStats = json('concurrent.stats.json');
const openMax = exists('concurrent.open') ? Math.max(0, ...read('concurrent.open').split('\n').filter(Boolean).map(Number)) : NaN;
if (conc) {
    rows.push(`| bench_concurrent_runs: ${conc.runs} runs at once, one thread, ${conc.mode} mode | ${conc.requests} | ` +
              `${fmt((concTime ? concTime.cpu : conc.cpu_user_seconds + conc.cpu_sys_seconds), 2)} | ${fmt(conc.cpu_us_per_request, 0)} | | ` +
              `${fmt(concTime ? concTime.rssMiB : conc.peak_rss_kib / 1024)} |`);
} else {
    rows.push('| bench_concurrent_runs | did not run | | | | |');
}
rows.push('');

// ---- 3b. client cost like for like: rate limits off, both SDKs complete the same files ------------------
rows.push('### 3b. Client cost like for like: rate limits off, both SDKs complete the same files');
rows.push('');
rows.push('| client | completed | requests sent | wall s | CPU s (user + sys) | CPU µs per request | CPU ms per completed file | peak RSS MiB |');
rows.push('|---|---|---|---|---|---|---|---|');
const freePer = {};
for (const [name, label, result] of [
    ['free_paced_stream', 'paced-batch --mode stream', 'batch'], ['free_node_stream', 'Node SDK, Promise.all over createAndRunStream', 'node'],
    ['free_paced_poll', 'paced-batch --mode poll', 'batch'], ['free_node_poll', 'Node SDK, Promise.all over createAndPoll', 'node']]) {
    const s = scenario(name);
    const r = json(result === 'batch' ? `${name}.batch.json` : `${name}.json`);
    if (!r || !s.time) {
        rows.push(`| ${label} | did not run | | | | | | |`);
        continue;
    }
    freePer[name] = { request: (s.time.cpu * 1e6) / s.requests, file: r.completed ? (s.time.cpu * 1e3) / r.completed : NaN,
                      completed: r.completed, files: r.files };
    rows.push(`| ${label} | ${r.completed}/${r.files} | ${s.requests} | ${fmt(r.wall_seconds)} | ${fmt(s.time.cpu, 2)} ` +
              `(${fmt(s.time.user, 2)} + ${fmt(s.time.sys, 2)}) | ${fmt(freePer[name].request, 0)} | ` +
              `${r.completed ? fmt(freePer[name].file, 2) : 'none completed'} | ${fmt(s.time.rssMiB)} |`);
}
rows.push('');

// ---- 5. stream vs poll -------------------------------------------------------------------------------
rows.push('### Stream vs poll (issue 6): what following one run costs');
rows.push('');
rows.push('| client | requests per completed file (all) | run requests per completed run (create + polls) | reply fetch per run | completion lag p50 / p99 ms |');
rows.push('|---|---|---|---|---|');
for (const [name, label] of [['paced_stream', 'paced, run_mode::stream'], ['paced_poll', 'paced, run_mode::poll (1 s interval)'],
                             ['node_all', 'Node SDK createAndPoll, Promise.all run'],
                             ['node_naive', 'Node SDK createAndPoll, sequential loop (no contention)']]) {
    const s = sc[name];
    if (!s || !s.completed) {
        rows.push(`| ${label} | no run completed | | | |`);
        continue;
    }
    const lagCell = name === 'paced_stream' ? '≈0: the completed event is pushed at the run\'s end' : `${fmt(s.lag.p50, 0)} / ${fmt(s.lag.p99, 0)}`;
    const n = s.finished ?? s.completed;
    rows.push(`| ${label} | ${fmt((s.requests - 1) / n, 2)} | ${fmt(s.runReqs / n, 2)} | ` +
              `${fmt(s.replyReqs / n, 2)} | ${lagCell} |`);
}
rows.push('');

// ---- targets -----------------------------------------------------------------------------------------
const t = [];
const ps = sc.paced_stream;
if (ps && ps.completed) {
    const b = budget(ps, ps.completed);
    const share = ((ps.completed / ps.wall) * 60) / b.limit;
    t.push(`- zero 429s for paced: stream ${ps.r429}, poll ${sc.paced_poll ? sc.paced_poll.r429 : 'n/a'} → ${ps.r429 === 0 && sc.paced_poll && sc.paced_poll.r429 === 0 ? 'met' : 'MISSED'}`);
    const pp = sc.paced_poll;
    const sharePoll = pp && pp.completed ? ((pp.completed / pp.wall) * 60) / budget(pp, pp.completed).limit : NaN;
    t.push(`- at least 97% of the physical limit: stream ${pct(share)}, poll ${pct(sharePoll)} → ${share >= 0.97 && sharePoll >= 0.97 ? 'met' : 'MISSED'}`);
    for (const mode of ['stream', 'poll']) {
        const p = sc[`paced_${mode}`];
        const q = sc[`peer_${mode}`];
        if (!p || !q || !p.completed || !q.completed) continue;
        t.push(`- wall time at most the paced Node peer's, ${mode}: paced ${fmt(p.wall)} s (${p.r429} 429s), peer ` +
               `${fmt(q.wall)} s (${q.r429} 429s, ${q.completed} completed) → ${p.wall <= q.wall && p.r429 === 0 ? 'met' : 'MISSED'}`);
    }
}
{
    // Like for like only counts when both clients completed every file: a failed request is cheaper work.
    const allDone = (n) => freePer[n] && freePer[n].completed === freePer[n].files;
    const like = (mode) => (allDone(`free_paced_${mode}`) && allDone(`free_node_${mode}`)
        ? freePer[`free_node_${mode}`].request / freePer[`free_paced_${mode}`].request : NaN);
    const ls = like('stream');
    const lp = like('poll');
    const us = (n) => (freePer[n] ? fmt(freePer[n].request, 0) : 'n/a');
    t.push(`- CPU per request at most a tenth of Node's, like for like (3b: the same files and requests, every file ` +
           `completed by both): stream Node ${us('free_node_stream')} µs / paced ${us('free_paced_stream')} µs = ${fmt(ls)}×, ` +
           `poll Node ${us('free_node_poll')} µs / paced ${us('free_paced_poll')} µs = ${fmt(lp)}× → ${ls >= 10 && lp >= 10 ? 'met' : 'MISSED'}`);
    if (cpuPer.paced_stream && cpuPer.node_all) {
        const ratio = cpuPer.node_all / cpuPer.paced_stream;
        const ratioPoll = cpuPer.paced_poll ? cpuPer.node_all / cpuPer.paced_poll : NaN;
        t.push(`- the same under the limits (3), against Node's Promise.all whose requests are almost all 429 answers: ` +
               `Node ${fmt(cpuPer.node_all, 0)} µs, paced stream ${fmt(cpuPer.paced_stream, 0)} µs (${fmt(ratio)}×), ` +
               `poll ${fmt(cpuPer.paced_poll, 0)} µs (${fmt(ratioPoll)}×) → ${ratio >= 10 && ratioPoll >= 10 ? 'also met' : 'below 10× here (see "How to read it")'}`);
    }
}
if (conc) {
    const rss = concTime ? concTime.rssMiB : conc.peak_rss_kib / 1024;
    t.push(`- ${conc.runs} concurrent runs under 64 MiB RSS: ${fmt(rss)} MiB, ${conc.completed} completed, ${conc.failed} failed, ` +
           `at most ${conc.max_in_flight} client.run in flight, at most ${Number.isFinite(openMax) ? openMax : 'n/a'} runs open on the server at once → ${rss < 64 && conc.failed === 0 ? 'met' : 'MISSED'}`);
}
rows.push('### How to read it');
rows.push('');
rows.push(layout === 'global'
    ? `- **Physical limit.** The emulator's global layout keeps one budget of ${S.rpm} RPM for every request of the ` +
      'key, as the server of the problem report did. A file that needs *o* requests that name no model (upload, ' +
      `polls, reply) and *m* run creations cannot be completed faster than ${S.rpm} / (o + m) files/min by any ` +
      'client using that request pattern. *o* and *m* are measured (successful requests per completed file, the ' +
      'one-time assistant creation excluded). Stream mode needs 1 + 1 (the upload; create-thread-and-run, streamed); ' +
      'poll mode adds the retrievals and the reply\'s fetch. The peer sends the same requests per file behind a ' +
      `pacer with the server's rule (T = 60 s / ${S.rpm}, burst max(1, ${S.rpm}/60)). The budget starts with a burst of ` +
      `${Math.max(1, Math.floor(S.rpm / 60))} requests, so a run of under a minute can pass 100% by a few files.`
    : `- **Physical limit.** The emulator's per-model layout charges run creation to a per-model budget and every other ` +
      `request to an org-wide budget, each at ${S.rpm} RPM. A file that needs *o* requests in the org budget and *m* in ` +
      `the model budget cannot be completed faster than ${S.rpm} / max(o, m) files/min by any client using that request ` +
      `pattern. *o* and *m* are measured (successful requests per completed file, the one-time assistant creation ` +
      `excluded). Both budgets start with a burst of ${Math.max(1, Math.floor(S.rpm / 60))} requests, so a run ` +
      'of under a minute can pass 100% by a few files.');
rows.push(`- **TPM ${S.tpm}** is on but does not bind: a run's token estimate here is about (prompt + file bytes) / 4 + 256 ` +
          `≈ 300 tokens, ${S.rpm} runs/min ≈ 0.2 M tokens/min.`);
rows.push(`- **Completion lag**: from a run's end on the server (its creation + ${S.run_ms} ms; no jitter) to the answer of the ` +
          'retrieval that returned its final status, paired by run id in the emulator\'s request log (`--request-log`). ' +
          'In stream mode the server writes `thread.run.completed` on the open stream at the run\'s end, so the client ' +
          'knows at once; the log records requests, not stream events, so this is not measured. ' +
          '"Run creation to completion seen" is the same plus the run\'s duration.');
rows.push('- **Poll-mode lag under a saturated budget** is mostly the wait in the budget\'s FIFO queue: with 64 files in ' +
          'flight and the budget full, a retrieval queues behind the others\' requests for several seconds, by ' +
          'which time the run has ended (so one retrieval usually suffices). The Node SDK retrieves at once after ' +
          'creating the run, then every 5 s (its default without `openai-poll-after-ms`), so even without contention ' +
          'it learns of a 1 s run about 4 s late; paced also retrieves at once, then every 1 s.');
rows.push('- **429s** are the emulator\'s `rate_limited_429` for that client (each client gets a fresh emulator). ' +
          '**CPU per request** = the client process\'s user + system CPU (GNU time) / the requests the emulator received ' +
          'from it (429s included), process start included (Node\'s, with the SDK loaded, is about 0.2 s); peak RSS ' +
          'is GNU time\'s maximum resident set size. A streamed request carries its ' +
          'whole run (the emulator writes a run\'s events in 8 pieces: the head, then 7 batches of events over the run\'s ' +
          'second), each read and decoded as it comes, so stream mode costs more per request and less per completed ' +
          'file than poll mode.');
rows.push('- **Like for like (3b)**: the same files on an emulator with the rate limits off, so that both SDKs ' +
          'complete every file and send the same requests: the upload, then create-thread-and-run streamed ' +
          '(Node: `createAndRunStream`, read to `finalRun()`) or thread and run created and polled (Node: ' +
          '`createAndPoll`; paced creates both in one request and fetches the reply). paced-batch runs 64 files at ' +
          'once (its default, and the client\'s default pool of 64 connections); Node starts all of them. Under ' +
          'the limits (3) paced\'s CPU per streamed request is higher than here because its pacing spreads the ' +
          'requests out: each piece of each stream then wakes the process on its own (about 9 wake-ups per file, ' +
          'each costing a fixed amount of kernel and cold-cache work on this machine), while without limits the ' +
          'pieces of concurrent streams arrive together and one wake-up serves several. Node does not pace, so it ' +
          'has no counterpart to that cost; its requests under the limits are 429 answers, which are cheap work.');
rows.push(`- **Concurrent runs**: ${S.runs} \`client.run\` coroutines started at once by \`paced::run_batch\` (concurrency ` +
          `${S.runs}) on one thread, poll mode with a 10 s interval, runs of ${S.concurrent_run_ms} ms, rate limits off; ` +
          'each run costs its creation, a retrieval at once, then one every 10 s until it ends.');
rows.push(`- The machine is shared (${S.machine}); wall times and CPU include that noise.`);
rows.push('');
rows.push('### Targets (issues 5 and 16)');
rows.push('');
rows.push(...t);
rows.push('');

const header = `## Benchmark results (${new Date().toISOString().slice(0, 10)}, ${S.machine})\n`;
const table = header + '\n' + rows.join('\n');
process.stdout.write(table);
fs.mkdirSync(results, { recursive: true });
fs.writeFileSync(path.join(work, 'table.md'), table);

// ---- plot data: per second, received requests and 429s, per budget -----------------------------------
for (const name of ['paced_stream', 'paced_poll', 'node_all', 'node_naive']) {
    const s = sc[name];
    if (!s || !s.log.length) {
        fs.writeFileSync(path.join(work, `${name}.dat`), '0 0 0 0 0 0 0\n');
        continue;
    }
    const secs = Math.ceil((s.log[s.log.length - 1].ms + 1) / 1000);
    const bins = Array.from({ length: secs }, () => [0, 0, 0, 0]);
    for (const r of s.log) {
        const b = bins[Math.floor(r.ms / 1000)];
        b[(modelRoute(r.route) ? 2 : 0) + (r.status === 429 ? 1 : 0)]++;
    }
    const lines = ['# second org_ok org_429 model_ok model_429 all 429s'];
    bins.forEach((b, i) => lines.push(`${i} ${b.join(' ')} ${b[0] + b[1] + b[2] + b[3]} ${b[1] + b[3]}`));
    fs.writeFileSync(path.join(work, `${name}.dat`), lines.join('\n') + '\n');
}
