import { Chart, ChartAxis, ChartBar, ChartDonut } from '@patternfly/react-charts/victory';

/** A donut or horizontal bar chart of named counts; the numbers are always printed beside it. */
export default function CountChart({
  title,
  entries,
  kind,
}: {
  title: string;
  entries: Array<[string, number]>;
  kind: 'donut' | 'bar';
}) {
  const data = entries.map(([x, y]) => ({ x, y }));
  const total = entries.reduce((sum, [, count]) => sum + count, 0);
  if (kind === 'donut') {
    return (
      <ChartDonut
        ariaTitle={title}
        data={data}
        labels={({ datum }: { datum: { x: string; y: number } }) => `${datum.x}: ${datum.y}`}
        title={String(total)}
        subTitle="VMs"
        width={260}
        height={200}
        padding={10}
      />
    );
  }
  const height = Math.max(160, entries.length * 22);
  return (
    <Chart
      ariaTitle={title}
      horizontal
      width={260}
      height={height}
      padding={{ left: 120, right: 10, top: 10, bottom: 30 }}
      domainPadding={{ x: 8 }}
    >
      <ChartAxis style={{ tickLabels: { fontSize: 10 } }} />
      <ChartAxis dependentAxis style={{ tickLabels: { fontSize: 9 } }} />
      <ChartBar data={[...data].reverse()} barWidth={12} />
    </Chart>
  );
}
