/**
 * Recurrence in plain words for the booking form: a few everyday choices ("every weekday", "every
 * week on the start's weekday", ...) turned into an RRULE, and any RRULE described back in words.
 * The scheduler's booking rules validate the result; this module only translates.
 */
import rrulePkg from 'rrule';
import { webErrors } from '../errors.ts';

const { RRule } = rrulePkg;

export const REPEAT_CHOICES = [
  ['none', 'Does not repeat'],
  ['daily', 'Every day'],
  ['weekdays', 'Every weekday (Monday to Friday)'],
  ['weekly', 'Every week on the same day'],
  ['biweekly', 'Every other week on the same day'],
  ['monthly', 'Every month on the same date'],
  ['custom', 'Custom (RRULE)'],
] as const;

const WEEKDAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'] as const;

export interface RecurrenceForm {
  readonly repeat: string;
  /** Custom RRULE text when repeat = custom. */
  readonly rrule: string;
  /** "ends after N meetings" ('' = no count). */
  readonly count: string;
  /** "until" date YYYY-MM-DD ('' = none). */
  readonly until: string;
}

function baseRule(repeat: string, localStart: string): string | undefined {
  const date = /^(\d{4})-(\d{2})-(\d{2})/.exec(localStart);
  const weekday = date ? WEEKDAYS[new Date(Date.UTC(Number(date[1]), Number(date[2]) - 1, Number(date[3]))).getUTCDay()] : undefined;
  switch (repeat) {
    case '':
    case 'none':
      return undefined;
    case 'daily':
      return 'FREQ=DAILY';
    case 'weekdays':
      return 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR';
    case 'weekly':
      return `FREQ=WEEKLY;BYDAY=${weekday ?? 'MO'}`;
    case 'biweekly':
      return `FREQ=WEEKLY;INTERVAL=2;BYDAY=${weekday ?? 'MO'}`;
    case 'monthly':
      return `FREQ=MONTHLY;BYMONTHDAY=${date ? Number(date[3]) : 1}`;
    default:
      throw webErrors.invalidField('repeat', 'Choose how the meeting repeats.');
  }
}

/** The RRULE for the form's choice, given the first meeting's local start `YYYY-MM-DDTHH:mm`; undefined = no repeat. */
export function recurrenceFromForm(form: RecurrenceForm, localStart: string): string | undefined {
  if (form.repeat === 'custom') {
    const rule = form.rrule.replace(/^RRULE:/i, '').trim();
    if (rule === '') throw webErrors.invalidField('rrule', 'Give the custom rule, e.g. FREQ=WEEKLY;BYDAY=MO,WE.');
    return rule;
  }
  const base = baseRule(form.repeat, localStart);
  if (base === undefined) return undefined;
  if (form.count !== '' && form.until !== '') throw webErrors.invalidField('count', 'Give either a number of meetings or an end date, not both.');
  if (form.count !== '') {
    if (!/^\d{1,4}$/.test(form.count) || Number(form.count) < 1) throw webErrors.invalidField('count', 'The number of meetings is a whole number from 1.');
    return `${base};COUNT=${Number(form.count)}`;
  }
  if (form.until !== '') {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(form.until)) throw webErrors.invalidField('until', 'The end date is YYYY-MM-DD.');
    return `${base};UNTIL=${form.until.replace(/-/g, '')}`;
  }
  return base;
}

/** "every week on Monday for 10 times" — rrule's English rendering, or the rule itself if it has none. */
export function describeRecurrence(rule: string | undefined): string {
  if (rule === undefined || rule === '') return 'does not repeat';
  try {
    const parsed = RRule.fromString(`RRULE:${rule.replace(/^RRULE:/i, '')}`);
    return parsed.isFullyConvertibleToText() ? parsed.toText() : rule;
  } catch {
    return rule;
  }
}
