package comparison

import (
	"fmt"
	"io"
	"slices"
	"text/tabwriter"

	"github.com/canarytrace/canarytrace/bench/workload"
)

// Targets, ours over contrib: issue 3 item 8 for the sampler, issue 4
// item 10 for the connector.
const (
	CPUTarget          = 0.1 // sampler CPU per span at most 1/10 of contrib's
	HeldTarget         = 0.5 // memory held per buffered span at most 1/2 of contrib's
	ConnectorCPUTarget = 0.2 // connector CPU per span at most 1/5 of contrib's
)

// SamplerResult is one sampler's figures: the median of several runs.
type SamplerResult struct {
	Name string
	CPU  CPU
	Held Held
}

// Median returns the run with the median CPU per span and the run with the
// median held memory per span.
func Median(name string, cpus []CPU, helds []Held) SamplerResult {
	h := slices.Clone(helds)
	slices.SortFunc(h, func(a, b Held) int { return cmpFloat(a.InUsePerSpan, b.InUsePerSpan) })
	return SamplerResult{Name: name, CPU: MedianCPU(cpus), Held: h[len(h)/2]}
}

// MedianCPU returns the run with the median CPU per span.
func MedianCPU(cpus []CPU) CPU {
	c := slices.Clone(cpus)
	slices.SortFunc(c, func(a, b CPU) int { return cmpFloat(a.CPUPerSpan, b.CPUPerSpan) })
	return c[len(c)/2]
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// WriteSamplerTable prints ours against the peer: each figure, the ratio,
// the target and whether it is met; then the decisions by kind.
func WriteSamplerTable(w io.Writer, ours, peer SamplerResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "\t%s\t%s\tratio\ttarget\t\n", ours.Name, peer.Name)
	cpuRows(tw, ours.CPU, peer.CPU, CPUTarget, false)
	ratioRow(tw, "B held/buffered span (heap in use)", ours.Held.InUsePerSpan, peer.Held.InUsePerSpan, HeldTarget)
	ratioRow(tw, "B held/buffered span (live)", ours.Held.LivePerSpan, peer.Held.LivePerSpan, 0)
	tw.Flush()

	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "kept traces\tgenerated\t%s\t%s\twanted\t\n", ours.Name, peer.Name)
	wanted := [workload.NumKinds]string{workload.Stable: "~10%", workload.Canary: "100%", workload.Error: "100%"}
	for _, k := range []workload.Kind{workload.Canary, workload.Error, workload.Stable} {
		n := ours.CPU.Truth.Traces[k]
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t\n", k, n,
			share(ours.CPU.Kept.Traces[k], n), share(peer.CPU.Kept.Traces[k], peer.CPU.Truth.Traces[k]), wanted[k])
	}
	tw.Flush()
	for _, r := range []SamplerResult{ours, peer} {
		if r.Held.Early > 0 {
			fmt.Fprintf(w, "WARNING: %s forwarded %d spans before the heap was measured\n", r.Name, r.Held.Early)
		}
	}
}

// cpuRows prints the CPU and allocation rows every comparison shares;
// byThread adds the calling thread's and other threads' shares, for runs
// locked to their thread (measureCaller).
func cpuRows(tw *tabwriter.Writer, ours, peer CPU, target float64, byThread bool) {
	ratioRow(tw, "CPU ns/span (process CPU)", ours.CPUPerSpan, peer.CPUPerSpan, target)
	if byThread {
		ratioRow(tw, "  on the calling thread", ours.CallerPerSpan, peer.CallerPerSpan, 0)
		ratioRow(tw, "  on other threads (GC)", ours.OtherThreadPerSpan, peer.OtherThreadPerSpan, 0)
	}
	ratioRow(tw, "  (decoding alone, subtracted)", ours.DecodePerSpan, peer.DecodePerSpan, 0)
	ratioRow(tw, "allocs/span", ours.AllocsSpan, peer.AllocsSpan, 0)
	ratioRow(tw, "B allocated/span", ours.BytesSpan, peer.BytesSpan, 0)
}

// ratioRow prints a figure of both contenders, their ratio and, when
// target is set, whether the ratio meets it.
func ratioRow(tw *tabwriter.Writer, label string, a, b, target float64) {
	ratio := a / b
	verdict := ""
	if target > 0 {
		verdict = fmt.Sprintf("<= %.2f %s", target, metOrNot(ratio <= target))
	}
	fmt.Fprintf(tw, "%s\t%s\t%s\t%.3f\t%s\t\n", label, figure(a), figure(b), ratio, verdict)
}

// figure prints a figure whole, or with two decimals when it is small
// (allocations per span).
func figure(v float64) string {
	if v < 10 && v > -10 {
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.0f", v)
}

// WriteConnectorTable prints ours against the peer, each the median run:
// CPU and allocations with the ratio and target; then what each counted
// per stage against what was generated, and the verdicts ours emitted.
func WriteConnectorTable(w io.Writer, oursName string, ours CPU, peerName string, peer CPU) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "\t%s\t%s\tratio\ttarget\t\n", oursName, peerName)
	cpuRows(tw, ours, peer, ConnectorCPUTarget, true)
	tw.Flush()

	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "counted\tgenerated\t%s\t%s\t\n", oursName, peerName)
	for _, st := range []workload.Stage{workload.CanaryStage, workload.StableStage} {
		fmt.Fprintf(tw, "calls, %s\t%d\t%.0f\t%.0f\t\n", st, ours.Truth.Calls[st], ours.Calls.Calls[st], peer.Calls.Calls[st])
		fmt.Fprintf(tw, "errors, %s\t%d\t%.0f\t%.0f\t\n", st, ours.Truth.Errors[st], ours.Calls.Errors[st], peer.Calls.Errors[st])
	}
	fmt.Fprintf(tw, "verdict points emitted\t\t%d\t%d\t\n", ours.Calls.Verdicts, peer.Calls.Verdicts)
	tw.Flush()
	for _, r := range []struct {
		name string
		cpu  CPU
	}{{oursName, ours}, {peerName, peer}} {
		if !r.cpu.Calls.Matches(r.cpu.Truth) {
			fmt.Fprintf(w, "WARNING: %s did not count every span under its stage\n", r.name)
		}
	}
}

func share(kept, of int) string {
	if of == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f%%", 100*float64(kept)/float64(of))
}

func metOrNot(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT MET"
}

// WriteSpread prints the fastest, median and slowest CPU per span of each
// contender's runs, so a reader can judge how much a shared machine's load
// moved the figures.
func WriteSpread(w io.Writer, oursName string, ours []CPU, peerName string, peer []CPU) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "CPU ns/span over runs\tmin\tmedian\tmax\t\n")
	for _, c := range []struct {
		name string
		runs []CPU
	}{{oursName, ours}, {peerName, peer}} {
		v := make([]float64, len(c.runs))
		for i, r := range c.runs {
			v[i] = r.CPUPerSpan
		}
		slices.Sort(v)
		fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t%.0f\t\n", c.name, v[0], v[len(v)/2], v[len(v)-1])
	}
	tw.Flush()
}

// WriteLeastDisturbed prints the least disturbed figures of runs measured
// net of decode-only passes (see FastestNet).
func WriteLeastDisturbed(w io.Writer, ours, peer []CPU) {
	fmt.Fprintf(w, "least disturbed: %.0f vs %.0f ns/span, ratio %.3f (fastest run minus fastest decode pass: contention only adds CPU time)\n",
		FastestNet(ours), FastestNet(peer), FastestNet(ours)/FastestNet(peer))
}

// FastestNet is the least disturbed CPU per span over several runs: the
// fastest run's gross CPU minus the fastest decode-only pass. Taking the
// minimum of the net figures instead would be biased low, since the
// subtracted term is noisy too.
func FastestNet(runs []CPU) float64 {
	gross, decode := runs[0].GrossPerSpan, runs[0].FastestDecodePerSpan
	for _, r := range runs[1:] {
		gross, decode = min(gross, r.GrossPerSpan), min(decode, r.FastestDecodePerSpan)
	}
	return gross - decode
}

// WriteCalibration prints what the connectors' method read for a contender
// of known cost.
func WriteCalibration(w io.Writer, c Calibration) {
	fmt.Fprintf(w, "calibration: a spin loop of %.0f ns/span of CPU reads %.0f ns/span (%.0f on the calling thread, %+.0f on other threads)\n",
		c.Known, c.Measured.CPUPerSpan, c.Measured.CallerPerSpan, c.Measured.OtherThreadPerSpan)
}
