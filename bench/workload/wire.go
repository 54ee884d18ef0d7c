package workload

import (
	"fmt"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// ViaOTLP wraps emit so that each batch reaches it as a receiver would hand
// it on: encoded as OTLP protobuf and decoded again. Decoded pdata owns a
// fresh copy of every string, as in a collector, where the generator's batch
// would share string constants; memory held by a processor that keeps pdata
// is only realistic this way.
func ViaOTLP(emit func(ptrace.Traces)) func(ptrace.Traces) {
	var m ptrace.ProtoMarshaler
	var u ptrace.ProtoUnmarshaler
	return func(td ptrace.Traces) {
		b, err := m.MarshalTraces(td)
		if err != nil {
			panic(fmt.Sprintf("workload: encoding a generated batch: %v", err)) // generated data always encodes
		}
		out, err := u.UnmarshalTraces(b)
		if err != nil {
			panic(fmt.Sprintf("workload: decoding a generated batch: %v", err))
		}
		emit(out)
	}
}
