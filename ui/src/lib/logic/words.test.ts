import { describe, expect, it } from 'vitest';
import { appWords } from './words';

describe('appWords', () => {
  it('names the screen and field where the register names a command', () => {
    expect(
      appWords(
        "b@gmail.com is not on the trust's domains (oak.sch.uk): staff post with their work address, never a personal one (policy 4.4.2). If the domain is the trust's, add it first with `clearshot settings set trust-domains …`",
      ),
    ).toContain('add it first under Settings → Trust domains');
    expect(
      appWords(
        '@RSPB is not a registered trust account or an allowed partner: do not tag pupils\' or personal accounts (IT can allow a partner organisation\'s account in the settings, partner-handles)',
      ),
    ).toContain('under Settings → Partner accounts a caption may tag)');
    const rekey = appWords(
      'new UPN, but Z88640211821A (on roll) has the same name and date of birth: … merged: `clearshot pupils rekey Z88640211821A --to F886402118299`',
    );
    expect(rekey).toContain('“Replace the UPN…” on Z88640211821A’s page, with F886402118299');
    expect(rekey).not.toContain('clearshot');
    const training = appWords(
      'erin@oak.sch.uk has no social media training recorded: policy 7.1.1 requires it before posting (record it with `clearshot staff train erin@oak.sch.uk --on DATE`)',
    );
    expect(training).toContain('(record it on the Staff screen: “Record training…”)');
    expect(training).not.toContain('clearshot');
  });

  it('leaves every other message as it is', () => {
    const plain = 'the form is dated 2026-12-01, after today (2026-11-28)';
    expect(appWords(plain)).toBe(plain);
  });
});
