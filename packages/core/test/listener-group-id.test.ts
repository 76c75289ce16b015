import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { defaultGroupIdFor, detectAppName } from '../src/kit.js';

describe('default consumer group', () => {
  it('names the app after the package.json nearest the entry module, skipping unnamed ones', () => {
    const root = mkdtempSync(join(tmpdir(), 'motifs-app-'));
    mkdirSync(join(root, 'svc', 'dist', 'bin'), { recursive: true });
    writeFileSync(join(root, 'svc', 'package.json'), JSON.stringify({ name: '@acme/mailer' }));
    // A nested package.json without a name (e.g. `{ "type": "module" }` in dist) is not the app.
    writeFileSync(join(root, 'svc', 'dist', 'package.json'), JSON.stringify({ type: 'module' }));
    expect(detectAppName(join(root, 'svc', 'dist', 'bin', 'main.js'))).toBe('@acme/mailer');
    // A file that is not JSON is passed over too.
    writeFileSync(join(root, 'svc', 'dist', 'bin', 'package.json'), '{ not json');
    expect(detectAppName(join(root, 'svc', 'dist', 'bin', 'main.js'))).toBe('@acme/mailer');
  });

  it('finds no app without an entry module or a named package.json above it', () => {
    expect(detectAppName(undefined)).toBeUndefined();
    expect(detectAppName('')).toBeUndefined();
    const bare = mkdtempSync(join(tmpdir(), 'motifs-bare-'));
    // Only when no directory above the temp dir holds a package.json (true on CI and dev machines).
    expect(detectAppName(join(bare, 'main.js'))).toBe(detectAppName(join(tmpdir(), 'main.js')));
  });

  it('is <app>.<channel>, from the option first, then the detected name, else motifs-<channel>', () => {
    expect(defaultGroupIdFor('orders', 'billing', () => 'ignored')).toEqual({ groupId: 'billing.orders', source: 'option' });
    expect(defaultGroupIdFor('orders', undefined, () => '@acme/mailer')).toEqual({ groupId: '@acme/mailer.orders', source: 'package.json' });
    expect(defaultGroupIdFor('orders', undefined, () => undefined)).toEqual({ groupId: 'motifs-orders', source: 'fallback' });
  });
});
