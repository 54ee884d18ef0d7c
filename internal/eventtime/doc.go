// Package eventtime turns span end timestamps into evaluation steps behind a
// watermark, so that windows and verdicts follow when things happened, not
// when the collector happened to receive them.
//
// A step is floor(end_time / interval): aligned on the Unix epoch, so every
// collector instance numbers the same span time with the same step and the
// canary_verdict exporter can merge instances step by step.
//
// The watermark is the latest accepted end time minus allowed_lateness. In a
// live collector, while no newer span arrives, span time runs on with the
// wall clock (never beyond it), so the last steps are judged when traffic
// stops; in `canarytrace backtest` only span time moves it, so a replay at
// any speed gives the same steps. Live evaluation starts at the first span
// (a backlog or a replay of recent minutes is judged in order, not counted
// late), but no further back than MaxBacklog (an hour) before the wall clock. A step is
// ready once the watermark has passed its end.
//
// One wild timestamp must neither wedge nor flood the evaluation:
//   - live, an end time beyond max_future_skew of the wall clock is ignored
//     for the watermark (a clock in the year 2100 would otherwise make every
//     later span late);
//   - in span time there is no clock to compare with, so a jump of more than
//     max_future_skew beyond the latest end time is only believed when the
//     next span beyond it confirms it (lands within max_future_skew of the
//     first); a span that instead continues the old timeline discards it;
//   - however far the watermark moves at once (a span from 1970 followed by
//     one from today), at most MaxSteps steps are returned per advance: the
//     older ones are skipped and counted, since they hold no evidence that
//     the newest step's judgment does not already include.
//
// It is pure: no pdata, no collector imports.
package eventtime
