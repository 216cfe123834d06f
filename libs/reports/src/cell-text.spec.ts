import { describe, expect, it } from 'vitest';
import {
  MAX_CELL_TEXT_LENGTH,
  neutraliseCellText,
  restoreCellText,
  spreadsheetCellText,
} from './cell-text.js';

describe('neutraliseCellText', () => {
  it.each([
    ['=HYPERLINK("http://x","y")', `'=HYPERLINK("http://x","y")`],
    ['+1', "'+1"],
    ['-2', "'-2"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tfoo', "'\tfoo"],
    ['\rbar', "'\rbar"],
  ])('prefixes %j with a quote', (text, expected) => {
    expect(neutraliseCellText(text)).toBe(expected);
  });

  it('leaves ordinary text alone, including formula characters further in', () => {
    for (const text of ['web-01', 'a=b', 'SQL 2019 + SSRS', '', ' =x', "'quoted", 'münchen-db']) {
      expect(neutraliseCellText(text)).toBe(text);
    }
  });

  it('adds a quote in front of quotes that precede a formula character, so restoring is exact', () => {
    expect(neutraliseCellText("'=x")).toBe("''=x");
    expect(neutraliseCellText("''-1")).toBe("'''-1");
  });

  it('is undone by restoreCellText for every input', () => {
    const samples = ['=1', "'=1", "''=1", "'", "'abc", 'abc', '-', "'-", '@', '\t', '\r\n', '', "'''"];
    for (const text of samples) expect(restoreCellText(neutraliseCellText(text))).toBe(text);
  });

  it('cuts text to what a cell holds', () => {
    const long = 'x'.repeat(MAX_CELL_TEXT_LENGTH + 10);
    const cut = spreadsheetCellText(long);
    expect(cut).toHaveLength(MAX_CELL_TEXT_LENGTH);
    expect(cut.endsWith('…[truncated]')).toBe(true);
    expect(spreadsheetCellText('=x')).toBe("'=x");
  });
});
