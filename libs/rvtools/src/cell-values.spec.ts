import { describe, expect, it } from 'vitest';
import {
  excelSerialToIso,
  parseRvtoolsBoolean,
  parseRvtoolsDate,
  parseRvtoolsNumber,
} from './cell-values.js';

describe('parseRvtoolsNumber', () => {
  it.each([
    ['12288', 12288],
    [' 42 ', 42],
    ['-1', -1],
    ['5.2669506072998', 5.2669506072998],
    ['1E-3', 0.001],
    ['16,384', 16384],
    ['1,234,567.5', 1234567.5],
    ['16.384,5', 16384.5],
    ['16 384', 16384],
    ['16\u00a0384,25', 16384.25],
    ['1,5', 1.5],
    ['1234,56', 1234.56],
  ])('reads %j as %d', (text, value) => {
    expect(parseRvtoolsNumber(text)).toBe(value);
  });

  it('says null for an empty cell and undefined for text that is no number', () => {
    expect(parseRvtoolsNumber('')).toBeNull();
    expect(parseRvtoolsNumber('   ')).toBeNull();
    for (const text of ['lots', '0%', '12 GB', '1.2.3', '--1', 'NaN', 'Infinity']) {
      expect(parseRvtoolsNumber(text), text).toBeUndefined();
    }
  });
});

describe('parseRvtoolsBoolean', () => {
  it('is tri-state', () => {
    for (const text of ['True', 'TRUE', 'true', ' yes ', '1'])
      expect(parseRvtoolsBoolean(text), text).toBe(true);
    for (const text of ['False', 'FALSE', 'no', '0']) expect(parseRvtoolsBoolean(text), text).toBe(false);
    expect(parseRvtoolsBoolean('')).toBeNull();
    expect(parseRvtoolsBoolean('maybe')).toBeUndefined();
  });
});

describe('parseRvtoolsDate', () => {
  it.each([
    ['45762.218', '2025-04-15T05:13:55.200Z'],
    ['44991.4375', '2023-03-06T10:30:00.000Z'],
    ['45000', '2023-03-15T00:00:00.000Z'],
    ['2017-11-28T19:32:21.560802Z', '2017-11-28T19:32:21.561Z'],
    ['2025-12-16 23:04:30', '2025-12-16T23:04:30.000Z'],
    ['2025-04-15T07:14:12+02:00', '2025-04-15T05:14:12.000Z'],
    ['2025-04-15', '2025-04-15T00:00:00.000Z'],
    ['2017/11/28 16:14:28', '2017-11-28T16:14:28.000Z'],
    ['4/15/2025 5:14:12 AM', '2025-04-15T05:14:12.000Z'],
    ['4/15/2025 5:14:12 PM', '2025-04-15T17:14:12.000Z'],
    ['12/1/2025 12:05:00 AM', '2025-12-01T00:05:00.000Z'],
    ['1/2/2025 12:00:00 PM', '2025-01-02T12:00:00.000Z'],
    ['15.04.2025 05:14:12', '2025-04-15T05:14:12.000Z'],
    ['15/04/2025 17:14', '2025-04-15T17:14:00.000Z'],
    ['01/02/2025 10:00:00', '2025-02-01T10:00:00.000Z'],
    ['21/3/2025, 11:46:07', '2025-03-21T11:46:07.000Z'],
    ['15-04-2025', '2025-04-15T00:00:00.000Z'],
  ])('reads %j as %s', (text, iso) => {
    expect(parseRvtoolsDate(text)).toBe(iso);
  });

  it('honours the 1904 date system', () => {
    expect(parseRvtoolsDate('44300.218', true)).toBe('2025-04-15T05:13:55.200Z');
  });

  it('says null for empty and undefined for what is not a date', () => {
    expect(parseRvtoolsDate('')).toBeNull();
    for (const text of [
      '31.02.2024 10:00:00',
      '13/13/2025',
      '2025-13-01',
      'Sat Jan 20 05:26:53 2018',
      'soon',
      '0',
      '-5',
      '4/15/2025 13:00 PM',
    ]) {
      expect(parseRvtoolsDate(text), text).toBeUndefined();
    }
  });

  it('rejects serial numbers outside what Excel can show', () => {
    expect(excelSerialToIso(3_000_000)).toBeUndefined();
    expect(excelSerialToIso(Number.NaN)).toBeUndefined();
  });
});
