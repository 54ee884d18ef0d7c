// Package stage decides which arm of a canary comparison a value of the
// deployment-stage attribute belongs to. It is shared by the canary_sampling
// processor and the canary_analysis connector so both read the same `stage:`
// block with the same defaults and attribute spans identically.
//
// It is pure: no pdata, no collector imports.
package stage
