// Package judge turns a release's evidence into verdicts that stay right
// under repeated looking: promote, rollback or inconclusive, with a
// per-check reason, an anytime-valid interval and canary exemplars.
//
// It is pure: no pdata, no collector, no HTTP. The canary_analysis
// connector and the canary_verdict exporter both call it, so two exporters
// fed the same evidence for the same steps return the same verdicts.
//
// # Method
//
// Checks. Per release: an error-rate check and one latency check per
// configured quantile, pooled over the release's operations (they decide
// promote); the same checks per operation, own and downstream (guards: they
// can fail a release, never promote it).
//
// Within-step comparison. Every step (evaluation interval) compares canary
// with stable within that step, and steps are combined with the
// Cochran-Mantel-Haenszel weight w_k = X_c X_s/(X_c+X_s) (X: calls estimated
// by Horvitz-Thompson, each observed span weighted by its adjusted count).
// A change of traffic split or load during the run then moves weights, not
// the contrast (Mantel and Haenszel 1959; Greenland and Robins 1985). At the
// release level, operations are strata as well. The running statistic is
// S = sum_k w_k d_k with effective sample size t = sum_k w_k.
//
// Error rate. Tolerance is "within either bound": p_c <= (1+r) p_s or
// p_c <= p_s + a. Contrasts d_rel = p_c - (1+r) p_s and d_abs = p_c - p_s - a;
// fail needs both shown > 0 (intersection-union test, Berger 1982), pass
// needs either shown < 0. fail_above / pass_below test the canary rate
// against a constant the same way, inside the same budget.
//
// Latency. "Q_c(q) <= (1+r) Q_s(q)" is, with y = (1+r) Q_s(q), the
// proportion statement P_c(X > y) <= 1-q = P_s(X > Q_s(q)): a two-sample
// comparison of exceedance shares at a cutoff read from stable's
// step-weighted histogram, so it reuses the error-rate machinery. Within a
// 4.4% bucket durations are interpolated log-uniformly.
//
// Variances. From observed counts in each sampling stratum (adjusted counts
// a_h are weights, never trials): per arm and step, p(1-p) sum_h a_h^2 N_h /
// X^2 (Kish's effective sample size), times a design effect with the trace
// as the unit, computed from the per-trace second moments the evidence
// keeps (Kish 1965; Sarndal, Swensson and Wretman 1992, 5.6). p is taken at
// the null boundary ((1+r) p_s, p_s+a, 1-q): the restricted, score-type
// variance of Farrington and Manning (1990), which is right where the
// level is decided and does not vanish when the canary has not erred yet;
// rates in variances are floored at one event in the canary's sample.
// In a latency contrast stable's noise enters through the estimated cutoff,
// scaled by the density ratio rho = (1+r) f_c / f_s (delta method;
// Serfling 1980, 2.5), taken at the null boundary, where the cutoff is
// the canary's own q-quantile: the ratio of the arms' quantile spacings
// around q (Siddiqui 1960; Bloch and Gastwirth 1968), one standard error
// up. It is 1 for a canary at tolerance and about 0.3 for a slow tail
// whose quantile lies inside the tail. The stable term is also widened for
// the skew of a quantile read from few tail observations (Wilson and
// Hilferty 1931), matched at the check's boundary.
//
// Anytime validity. S is compared with a one-sided normal-mixture boundary
// in its estimated variance V (package confseq; Robbins 1970; Howard,
// Ramdas, McAuliffe and Sekhon 2021), used as an asymptotic confidence
// sequence (Waudby-Smith, Arbour, Sinha, Kennedy and Ramdas 2024): crossing
// it at any step, however many steps are looked at, has probability at most
// the check's alpha. It is tuned to be tightest at 4,000 effective samples
// for an operation (about 7 minutes of one operation at 5% of 200 req/s)
// and 40,000 for the release. A check that crossed stays failed (or
// passed) for the run; a pass can still turn into a fail.
//
// Budget. alpha = 1 - confidence bounds the chance that a release ever rolls
// back while every check is within tolerance. 10% of it goes to the
// release-level checks, 90% to the guards: the operations present at the
// first judgement share 75% of that equally (at least 8 shares), later ones
// come in blocks of doubling size with halving shares, so any number of
// operations stays within budget. Within a release or an operation the
// checks split their share equally (Bonferroni). A false promote needs a
// release-level check to pass falsely, so those pass at level alpha each.
//
// # State
//
// A Judge keeps, per run, accumulators that are linear in each folded
// step (so a step is folded once and its cells can then be dropped), the
// rank of each operation, and which checks have failed or passed. It is
// re-derivable: replaying the same evidence for the same steps rebuilds it.
//
// # Measured
//
// See README.md for the simulated guarantees (issue 4, item 7) and the
// command that measures them.
package judge
