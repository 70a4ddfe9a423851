/**
 * How the dashboard writes durations, costs and token counts (playground and traces), in the
 * page's locale: "340 ms", "1.25 s", "$0.00042", "1,204".
 */
import { useFormatter } from "next-intl";
import { useMemo } from "react";

export type MetricFormat = {
  duration: (ms: number) => string;
  cost: (usd: number) => string;
  count: (value: number) => string;
};

export function useMetricFormat(): MetricFormat {
  const format = useFormatter();
  return useMemo(
    () => ({
      duration: (ms) =>
        ms < 1000
          ? `${format.number(Math.round(ms))} ms`
          : `${format.number(ms / 1000, { maximumFractionDigits: 2 })} s`,
      cost: (usd) =>
        format.number(
          usd,
          usd > 0 && usd < 0.01
            ? { style: "currency", currency: "USD", maximumSignificantDigits: 2 }
            : { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 4 },
        ),
      count: (value) => format.number(value),
    }),
    [format],
  );
}
