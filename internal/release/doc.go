// Package release decides which release, and which arm of it, a span is
// evidence for.
//
// A release is a service that has canary pods: a span whose resource stage is
// a canary value starts (or refreshes) the release identified by the span's
// service.name and the canary's service.version.
//
//   - The release's own operations (spans of that service) take their arm
//     from the resource stage: which code ran.
//   - Other services' operations take it from the span attribute stage,
//     copied from baggage: who called. So `checkout`'s verdict includes
//     `inventory` called from canary checkout (canary arm) and from stable
//     checkout (stable arm): a canary that breaks its dependencies.
//   - A release-qualified value `<service>@<version>` names its release
//     exactly, wherever it appears.
//   - A bare canary value downstream names the one active release; when
//     several releases are active it cannot say which, so the span is
//     counted as ambiguous and attributed to none (use release-qualified
//     baggage values when releases overlap).
//   - A bare stable value downstream means no canary was upstream of the
//     call, so it is a fair baseline for every active release: it is the
//     stable arm of each of them.
//
// A span can therefore be evidence for several releases (its own service's,
// as stable, and a caller's, as canary). Spans evidence for none are counted
// as unattributed.
//
// It is pure: no pdata, no collector imports.
package release
