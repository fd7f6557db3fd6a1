// The official @google/genai SDK pointed at the proxy's /gemini base URL (GEMINI_PROXY_URL), routed once
// to a Gemini mock upstream (g-text, g-tools) and once to an OpenAI-format mock upstream (o-text, o-tools).
// Prints "ok   name" / "FAIL name: why" per case; tests/e2e/run.py counts them.
import { GoogleGenAI } from '@google/genai';

const ai = new GoogleGenAI({ apiKey: 'genai-key', httpOptions: { baseUrl: process.env.GEMINI_PROXY_URL } });
let failed = 0;

async function check(name, fn) {
  try {
    await fn();
    console.log(`ok   sdk: genai: ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL sdk: genai: ${name}: ${e && e.stack ? e.stack.split('\n').slice(0, 3).join(' | ') : e}`);
  }
}

function eq(a, b, what) {
  const ja = JSON.stringify(a), jb = JSON.stringify(b);
  if (ja !== jb) throw new Error(`${what}: expected ${jb}, got ${ja}`);
}

const weather = {
  tools: [{ functionDeclarations: [{ name: 'get_weather', description: 'Weather', parameters: { type: 'OBJECT', properties: { location: { type: 'STRING' } }, required: ['location'] } }] }],
};

for (const [model, want] of [['g-text', 'Hello from gemini'], ['o-text', 'Hello from openai']]) {
  await check(`generateContent → ${model}`, async () => {
    const r = await ai.models.generateContent({ model, contents: 'hi' });
    eq(r.text, want, 'text');
    if (!(r.usageMetadata?.totalTokenCount > 0)) throw new Error('no usage');
  });
  await check(`generateContentStream → ${model}`, async () => {
    let text = '';
    for await (const ch of await ai.models.generateContentStream({ model, contents: 'hi' })) text += ch.text ?? '';
    eq(text, want, 'text');
  });
}

await check('generateContent with tools → Gemini upstream: a functionCall', async () => {
  const r = await ai.models.generateContent({ model: 'g-tools', contents: 'weather in Paris?', config: weather });
  eq(r.functionCalls.map((c) => [c.name, c.args]), [['get_weather', { location: 'Paris' }]], 'calls');
});

await check('generateContentStream with tools → OpenAI-format upstream: functionCalls', async () => {
  const calls = [];
  let finish = null;
  for await (const ch of await ai.models.generateContentStream({ model: 'o-tools', contents: 'weather?', config: weather })) {
    for (const c of ch.functionCalls ?? []) calls.push([c.name, c.args]);
    finish = ch.candidates?.[0]?.finishReason ?? finish;
  }
  eq(calls, [['get_weather', { location: 'Paris' }], ['get_time', { tz: 'CET' }]], 'calls');
  eq(finish, 'STOP', 'finishReason');
});

await check('an unknown model is a 404 ApiError', async () => {
  try {
    await ai.models.generateContent({ model: 'no-such-model', contents: 'hi' });
  } catch (e) {
    eq(e.status, 404, 'status');
    return;
  }
  throw new Error('no error thrown');
});

process.exit(failed ? 1 : 0);
