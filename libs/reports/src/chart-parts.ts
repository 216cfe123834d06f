import { columnLetter, escapeXml, quoteSheetName } from './streaming-workbook.js';

/**
 * DrawingML chart parts (`xl/charts/chartN.xml`). exceljs writes no charts, so the report writes
 * the parts itself: each series points at cells of the workbook by absolute reference, so the
 * chart is a real, editable Excel chart that follows the cells when they change; the cached
 * values let a viewer draw it before recalculating.
 */

/** A column of cells on one sheet: rows `firstRow`..`lastRow` of `column` (1-based). */
export interface CellRange {
  sheet: string;
  column: number;
  firstRow: number;
  lastRow: number;
}

/** `'Summary'!$B$12:$B$15` */
export function rangeReference(range: CellRange): string {
  const column = `$${columnLetter(range.column)}$`;
  return `${quoteSheetName(range.sheet)}!${column}${range.firstRow}:${column}${range.lastRow}`;
}

export interface ChartSeries {
  /** The cell holding the series name, and its text. */
  name: { sheet: string; column: number; row: number; text: string };
  categories: CellRange & { values: readonly string[] };
  values: CellRange & { values: readonly number[] };
  /** RRGGBB per series (bar) or per point (pie). */
  colors: readonly string[];
}

export interface ChartDefinition {
  kind: 'pie' | 'bar';
  title: string;
  series: ChartSeries;
  /** Bar charts: axis titles. */
  categoryAxisTitle?: string;
  valueAxisTitle?: string;
}

const NS =
  'xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart"' +
  ' xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"' +
  ' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"';
const FONT = 'Calibri';

function richText(text: string, size: number, bold: boolean): string {
  const b = bold ? ' b="1"' : ' b="0"';
  return (
    `<c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="${size}"${b}/></a:pPr>` +
    `<a:r><a:rPr lang="en-US" sz="${size}"${b}><a:latin typeface="${FONT}"/></a:rPr><a:t>${escapeXml(text)}</a:t></a:r></a:p></c:rich></c:tx>`
  );
}

function title(text: string, size = 1200): string {
  return `<c:title>${richText(text, size, true)}<c:overlay val="0"/></c:title>`;
}

function fill(color: string): string {
  return `<c:spPr><a:solidFill><a:srgbClr val="${color}"/></a:solidFill></c:spPr>`;
}

function stringCache(values: readonly string[]): string {
  const points = values.map((value, i) => `<c:pt idx="${i}"><c:v>${escapeXml(value)}</c:v></c:pt>`).join('');
  return `<c:strCache><c:ptCount val="${values.length}"/>${points}</c:strCache>`;
}

function numberCache(values: readonly number[]): string {
  const points = values
    .map((value, i) => (Number.isFinite(value) ? `<c:pt idx="${i}"><c:v>${value}</c:v></c:pt>` : ''))
    .join('');
  return `<c:numCache><c:formatCode>General</c:formatCode><c:ptCount val="${values.length}"/>${points}</c:numCache>`;
}

function seriesBody(series: ChartSeries): { name: string; categories: string; values: string } {
  const nameRef = `${quoteSheetName(series.name.sheet)}!$${columnLetter(series.name.column)}$${series.name.row}`;
  return {
    name: `<c:tx><c:strRef><c:f>${escapeXml(nameRef)}</c:f>${stringCache([series.name.text])}</c:strRef></c:tx>`,
    categories: `<c:cat><c:strRef><c:f>${escapeXml(rangeReference(series.categories))}</c:f>${stringCache(series.categories.values)}</c:strRef></c:cat>`,
    values: `<c:val><c:numRef><c:f>${escapeXml(rangeReference(series.values))}</c:f>${numberCache(series.values.values)}</c:numRef></c:val>`,
  };
}

const TEXT_PROPERTIES =
  `<c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="900"><a:latin typeface="${FONT}"/></a:defRPr></a:pPr>` +
  '<a:endParaRPr lang="en-US"/></a:p></c:txPr>';

function pieChart(chart: ChartDefinition): string {
  const body = seriesBody(chart.series);
  const points = chart.series.colors
    .map((color, i) => `<c:dPt><c:idx val="${i}"/><c:bubble3D val="0"/>${fill(color)}</c:dPt>`)
    .join('');
  const labels =
    '<c:dLbls><c:numFmt formatCode="0%" sourceLinked="0"/><c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr>' +
    '<c:showLegendKey val="0"/><c:showVal val="0"/><c:showCatName val="0"/><c:showSerName val="0"/>' +
    '<c:showPercent val="1"/><c:showBubbleSize val="0"/><c:showLeaderLines val="1"/></c:dLbls>';
  return (
    '<c:pieChart><c:varyColors val="1"/>' +
    `<c:ser><c:idx val="0"/><c:order val="0"/>${body.name}${points}${labels}${body.categories}${body.values}</c:ser>` +
    '<c:firstSliceAng val="0"/></c:pieChart>'
  );
}

const CATEGORY_AXIS = 500_001;
const VALUE_AXIS = 500_002;

function barChart(chart: ChartDefinition): string {
  const body = seriesBody(chart.series);
  const axisTitle = (text: string | undefined) => (text ? title(text, 900) : '');
  return (
    '<c:barChart><c:barDir val="col"/><c:grouping val="clustered"/><c:varyColors val="0"/>' +
    `<c:ser><c:idx val="0"/><c:order val="0"/>${body.name}${fill(chart.series.colors[0] ?? '4472C4')}` +
    `<c:invertIfNegative val="0"/>${body.categories}${body.values}</c:ser>` +
    `<c:gapWidth val="60"/><c:axId val="${CATEGORY_AXIS}"/><c:axId val="${VALUE_AXIS}"/></c:barChart>` +
    `<c:catAx><c:axId val="${CATEGORY_AXIS}"/><c:scaling><c:orientation val="minMax"/></c:scaling>` +
    `<c:delete val="0"/><c:axPos val="b"/>${axisTitle(chart.categoryAxisTitle)}` +
    '<c:numFmt formatCode="General" sourceLinked="1"/><c:majorTickMark val="out"/><c:minorTickMark val="none"/>' +
    `<c:tickLblPos val="nextTo"/><c:crossAx val="${VALUE_AXIS}"/><c:crosses val="autoZero"/>` +
    '<c:auto val="1"/><c:lblAlgn val="ctr"/><c:lblOffset val="100"/><c:noMultiLvlLbl val="1"/></c:catAx>' +
    `<c:valAx><c:axId val="${VALUE_AXIS}"/><c:scaling><c:orientation val="minMax"/></c:scaling>` +
    '<c:delete val="0"/><c:axPos val="l"/><c:majorGridlines/>' +
    `${axisTitle(chart.valueAxisTitle)}<c:numFmt formatCode="#,##0" sourceLinked="0"/>` +
    '<c:majorTickMark val="out"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>' +
    `<c:crossAx val="${CATEGORY_AXIS}"/><c:crosses val="autoZero"/><c:crossBetween val="between"/></c:valAx>`
  );
}

/** The chart part's XML. */
export function chartPartXml(chart: ChartDefinition): string {
  const plot = chart.kind === 'pie' ? pieChart(chart) : barChart(chart);
  const legend =
    chart.kind === 'pie' ? '<c:legend><c:legendPos val="r"/><c:overlay val="0"/></c:legend>' : '';
  return (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
    `<c:chartSpace ${NS}><c:roundedCorners val="0"/><c:chart>${title(chart.title)}` +
    `<c:autoTitleDeleted val="0"/><c:plotArea><c:layout/>${plot}</c:plotArea>${legend}` +
    '<c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart>' +
    `${TEXT_PROPERTIES}</c:chartSpace>`
  );
}
