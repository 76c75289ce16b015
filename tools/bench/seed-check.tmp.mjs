import { makeListener, makePublisher } from '@motifs/core';
const ch = `seed-${Date.now()}`;
const listener = await makeListener({ channelId: ch, kind: 'kafka', kafka: { url: 'localhost:9092', fromBeginning: true, logLevel: 'nothing' } });
const got = [];
listener.onMessage(async (msg, ctx) => { got.push([msg, ctx.key]); });
listener.listen(); // not awaited, as in the seed
const publisher = await makePublisher({ channelId: ch, kind: 'kafka', kafka: { url: 'localhost:9092' } });
await publisher.publish({ id: '1', planet: 'mars' }, { key: 'k1' });
while (got.length < 1) await new Promise((r) => setTimeout(r, 50));
console.log('kafka got', JSON.stringify(got));
await publisher.close(); await listener.close();
const ml = await makeListener({ channelId: 'mars', kind: 'memory' });
const mp = await makePublisher({ channelId: 'mars', kind: 'memory' });
const mgot = [];
ml.onMessage(async (m) => { mgot.push(m); });
ml.listen();
await new Promise((r) => setTimeout(r, 10));
await mp.publish({ id: '2' });
while (mgot.length < 1) await new Promise((r) => setTimeout(r, 10));
console.log('memory got', JSON.stringify(mgot));
await ml.close();
// listen() failure without await: no unhandled rejection
const bad = await makeListener({ channelId: 'x', kind: 'memory' });
bad.onError(async (e) => console.log('onError got', e.code));
bad.listen();
await new Promise((r) => setTimeout(r, 50));
console.log('ok, no crash');
