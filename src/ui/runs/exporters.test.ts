import { describe, expect, it } from 'vitest';
import { csvCell } from './exporters';

describe('csvCell', () => {
  it('defuses text a spreadsheet would run as a formula (= + - @ tab CR), quoting as CSV needs', () => {
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvCell('+A1')).toBe("'+A1");
    expect(csvCell('-2+3')).toBe("'-2+3");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\tx')).toBe("'\tx");
  });

  it('leaves numbers (negative ones too) and plain text as they are', () => {
    expect(csvCell(-0.5)).toBe('-0.5');
    expect(csvCell('-0.6')).toBe('-0.6');
    expect(csvCell('Run 3 · VGG-8')).toBe('Run 3 · VGG-8');
    expect(csvCell(null)).toBe('');
    expect(csvCell('a,b')).toBe('"a,b"');
  });
});
