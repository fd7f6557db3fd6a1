// The official `openai` SDK pointed at the proxy's /openai/v1 (OPENAI_PROXY_URL), routed once to an
// OpenAI-format mock upstream (model o-text) and once to an Anthropic-format one (claude-test, m-tool).
// Prints "ok   name" / "FAIL name: why" per case; tests/e2e/run.py counts them.
import OpenAI from 'openai';

const client = new OpenAI({ apiKey: 'sdk-key', baseURL: process.env.OPENAI_PROXY_URL, maxRetries: 0 });
const hi = [{ role: 'user', content: 'hi' }];
let failed = 0;

async function check(name, fn) {
  try {
    await fn();
    console.log(`ok   sdk: openai: ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL sdk: openai: ${name}: ${e && e.stack ? e.stack.split('\n').slice(0, 3).join(' | ') : e}`);
  }
}

function eq(a, b, what) {
  const ja = JSON.stringify(a), jb = JSON.stringify(b);
  if (ja !== jb) throw new Error(`${what}: expected ${jb}, got ${ja}`);
}

async function collect(stream) {
  let text = '', finish = null, usage = null;
  const calls = {};
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    for (const ch of chunk.choices) {
      text += ch.delta?.content || '';
      if (ch.finish_reason) finish = ch.finish_reason;
      for (const tc of ch.delta?.tool_calls || []) {
        calls[tc.index] ??= { id: '', name: '', args: '' };
        if (tc.id) calls[tc.index].id = tc.id;
        if (tc.function?.name) calls[tc.index].name = tc.function.name;
        calls[tc.index].args += tc.function?.arguments || '';
      }
    }
  }
  return { text, finish, usage, calls };
}

await check('chat.completions.create → OpenAI-format upstream', async () => {
  const r = await client.chat.completions.create({ model: 'o-text', messages: hi });
  eq(r.choices[0].message.content, 'Hello from openai', 'content');
  eq(r.usage.prompt_tokens, 100, 'usage');
});

await check('streaming with include_usage → OpenAI-format upstream', async () => {
  const s = await client.chat.completions.create({ model: 'o-text', messages: hi, stream: true, stream_options: { include_usage: true } });
  const r = await collect(s);
  eq(r.text, 'Hello from openai', 'text');
  eq(r.finish, 'stop', 'finish');
  eq(r.usage.completion_tokens, 20, 'usage');
});

await check('chat.completions.create → Anthropic-format upstream', async () => {
  const r = await client.chat.completions.create({ model: 'claude-test', messages: [{ role: 'system', content: 'be brief' }, ...hi] });
  eq(r.object, 'chat.completion', 'object');
  eq(r.choices[0].message.content, 'Hello from mock', 'content');
  eq(r.choices[0].finish_reason, 'stop', 'finish');
  eq(r.usage.completion_tokens, 5, 'usage');
});

await check('streaming → Anthropic-format upstream', async () => {
  const s = await client.chat.completions.create({ model: 'claude-test', messages: hi, stream: true, stream_options: { include_usage: true } });
  const r = await collect(s);
  eq(r.text, 'Hello from mock', 'text');
  eq(r.finish, 'stop', 'finish');
  if (!r.usage) throw new Error('no usage chunk');
});

await check('streaming tool call → Anthropic-format upstream', async () => {
  const s = await client.chat.completions.create({
    model: 'm-tool', messages: hi, stream: true,
    tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } }],
  });
  const r = await collect(s);
  eq(r.finish, 'tool_calls', 'finish');
  eq(r.calls[0].name, 'get_weather', 'name');
  eq(r.calls[0].id, 'toolu_mock_1', 'id');
  eq(JSON.parse(r.calls[0].args), { location: 'Paris' }, 'args');
});

await check('an unknown model is a NotFoundError', async () => {
  try {
    await client.chat.completions.create({ model: 'no-such-model', messages: hi });
  } catch (e) {
    eq(e.status, 404, 'status');
    return;
  }
  throw new Error('no error thrown');
});

process.exit(failed ? 1 : 0);
