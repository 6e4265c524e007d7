// Words for the codes the register uses: every status is shown in words as well as colour.
import type { Channel } from '../bindings/Channel';
import type { ConsentStatus } from '../bindings/ConsentStatus';
import type { Signatory } from '../bindings/Signatory';

export const CHANNELS: Channel[] = ['academy_social', 'trust_social', 'website', 'print', 'press'];

const CHANNEL_LABEL: Record<Channel, string> = {
  academy_social: 'Academy social media',
  trust_social: 'Trust social media',
  website: 'Website',
  print: 'Print and prospectus',
  press: 'Press',
};

const CHANNEL_SHORT: Record<Channel, string> = {
  academy_social: 'Academy social',
  trust_social: 'Trust social',
  website: 'Website',
  print: 'Print',
  press: 'Press',
};

export const channelLabel = (c: Channel) => CHANNEL_LABEL[c];
export const channelShort = (c: Channel) => CHANNEL_SHORT[c];

/** Status words and the colour class ("tone") a badge uses. */
const STATUS: Record<ConsentStatus, { words: string; tone: 'ok' | 'wait' | 'stop' | 'block' }> = {
  granted: { words: 'Granted', tone: 'ok' },
  missing: { words: 'Missing', tone: 'wait' },
  expired: { words: 'Expired', tone: 'wait' },
  refused: { words: 'Refused', tone: 'stop' },
  withdrawn: { words: 'Withdrawn', tone: 'stop' },
  never_publish: { words: 'Never publish', tone: 'block' },
};

export const statusWords = (s: ConsentStatus) => STATUS[s].words;
export const statusTone = (s: ConsentStatus) => STATUS[s].tone;

export const signatoryWords = (s: Signatory) => (s === 'parent' ? 'a parent or carer' : 'the pupil');

/** "a parent or carer and the pupil" */
export function whoMustSign(required: Signatory[]): string {
  if (required.length === 0) return 'nobody';
  return required.map(signatoryWords).join(' and ');
}

/** Nursery -1, Reception 0, Year 1..14 */
export function yearGroupLabel(ncy: number): string {
  if (ncy <= -1) return 'Nursery';
  if (ncy === 0) return 'Reception';
  return `Year ${ncy}`;
}

export const YEAR_GROUPS: number[] = Array.from({ length: 15 }, (_, i) => i - 1);

/** The Settings screen's name for each setting. */
export const SETTING_LABEL: Record<string, string> = {
  'trust-domains': 'Trust domains',
  'partner-handles': 'Partner accounts a caption may tag',
  'retention-years': 'Retention period',
  'backup-dir': 'Backup folder',
  'backup-keep': 'Backups kept',
  'staff-training-required': 'Staff training required before posting',
};

/**
 * A message from the register, which the command-line tool shares, in the app's words: where it
 * names a command or a setting's key, the screen and field that do the same here.
 */
export function appWords(message: string): string {
  return message
    .replace(/add it first with `clearshot settings set trust-domains …`/g, 'add it first under Settings → Trust domains')
    .replace(/\(`clearshot settings set trust-domains …`\)/g, '(Settings → Trust domains)')
    .replace(/in the settings, partner-handles\)/g, 'under Settings → Partner accounts a caption may tag)')
    .replace(/`clearshot pupils rekey (\S+) --to (\S+)`/g, '“Replace the UPN…” on $1’s page, with $2')
    .replace(/`clearshot pupils unflag (\S+) --never-publish --reason …`/g, '“Lift this flag…” on $1’s page')
    .replace(/, run “Replace the UPN…”/g, ', use “Replace the UPN…”')
    .replace(/\(withheld: safeguarding; see `clearshot pupils reveal-reason`\)/g, '(withheld: safeguarding; “Show the reason” on the pupil’s page)')
    .replace(/\(record it with `clearshot staff train \S+ --on DATE`\)/g, '(record it on the Staff screen: “Record training…”)');
}
