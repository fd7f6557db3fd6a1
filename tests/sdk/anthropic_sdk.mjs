// The official @anthropic-ai/sdk pointed at the proxy (PROXY_URL = http://host:port/anthropic).
// Prints "ok   name" / "FAIL name: why" per case; tests/e2e/run.py counts them.
import Anthropic from '@anthropic-ai/sdk';

const client = new Anthropic({ apiKey: 'sdk-key', baseURL: process.env.PROXY_URL, maxRetries: 0 });
const hi = [{ role: 'user', content: 'hi' }];
let failed = 0;

async function check(name, fn) {
  try {
    await fn();
    console.log(`ok   sdk: ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL sdk: ${name}: ${e && e.stack ? e.stack.split('\n').slice(0, 3).join(' | ') : e}`);
  }
}

function eq(a, b, what) {
  const ja = JSON.stringify(a), jb = JSON.stringify(b);
  if (ja !== jb) throw new Error(`${what}: expected ${jb}, got ${ja}`);
}

await check('messages.create returns the upstream message', async () => {
  const m = await client.messages.create({ model: 'claude-test', max_tokens: 100, messages: hi });
  eq(m.type, 'message', 'type');
  eq(m.content[0].text, 'Hello from mock', 'text');
  eq(m.usage.input_tokens, 12, 'usage');
});

await check('messages.stream(...).finalMessage() assembles the streamed text', async () => {
  const s = client.messages.stream({ model: 'claude-test', max_tokens: 100, messages: hi });
  const deltas = [];
  s.on('text', (t) => deltas.push(t));
  const m = await s.finalMessage();
  eq(m.content[0].text, 'Hello from mock', 'final text');
  eq(deltas, ['Hello', ' from', ' mock'], 'text events');
  eq(m.stop_reason, 'end_turn', 'stop_reason');
});

await check('messages.stream with a tool_use block (input_json_delta)', async () => {
  const m = await client.messages.stream({
    model: 'm-tool', max_tokens: 100, messages: hi,
    tools: [{ name: 'get_weather', description: 'w', input_schema: { type: 'object', properties: { location: { type: 'string' } } } }],
  }).finalMessage();
  eq(m.content[1].type, 'tool_use', 'block type');
  eq(m.content[1].input, { location: 'Paris' }, 'tool input');
  eq(m.stop_reason, 'tool_use', 'stop_reason');
});

await check('an unknown model is a BadRequestError (400, invalid_request_error)', async () => {
  try {
    await client.messages.create({ model: 'no-such-model', max_tokens: 10, messages: hi });
  } catch (e) {
    eq(e.status, 400, 'status');
    eq(e.error?.error?.type, 'invalid_request_error', 'error type');
    return;
  }
  throw new Error('no error thrown');
});

await check('an upstream 429 is a RateLimitError', async () => {
  try {
    await client.messages.create({ model: 'm-429', max_tokens: 10, messages: hi });
  } catch (e) {
    eq(e.status, 429, 'status');
    eq(e.constructor.name, 'RateLimitError', 'class');
    return;
  }
  throw new Error('no error thrown');
});

await check('messages.countTokens', async () => {
  const r = await client.messages.countTokens({ model: 'claude-test', messages: hi });
  eq(r.input_tokens, 42, 'input_tokens');
});

await check('messages.create → OpenAI-format upstream (translated)', async () => {
  const m = await client.messages.create({ model: 'o-text', max_tokens: 100, messages: hi });
  eq(m.content[0].text, 'Hello from openai', 'text');
  eq(m.usage.cache_read_input_tokens, 60, 'cache read');
});

await check('messages.stream → OpenAI-format upstream with two parallel tool calls', async () => {
  const m = await client.messages.stream({
    model: 'o-tools', max_tokens: 100, messages: hi,
    tools: [{ name: 'get_weather', input_schema: { type: 'object' } }, { name: 'get_time', input_schema: { type: 'object' } }],
  }).finalMessage();
  eq(m.content.map((b) => [b.type, b.id, b.input]), [['tool_use', 'call_a1', { location: 'Paris' }], ['tool_use', 'call_b2', { tz: 'CET' }]], 'blocks');
  eq(m.stop_reason, 'tool_use', 'stop_reason');
});

process.exit(failed ? 1 : 0);
