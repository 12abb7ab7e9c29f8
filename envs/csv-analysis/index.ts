/** `sim-arena/csv-analysis`: the sandboxed CSV-analysis environments. */
export {};
