// Prometheus's own PromQL parser and engine for the alert tests (tests/alerts/), built once as
// a test binary by .ci/prometheus-tools.sh (`go test -c`) and run by the specs:
//   - TestSelectors: parses every rule of the PrometheusRule spec in $PROMQL_RULES (JSON) and
//     writes, per rule, its parse error or the series it selects to $PROMQL_OUT (JSON).
//   - TestScript: runs the promqltest script in $PROMQL_SCRIPT (load series, eval at a time,
//     expect the result) on an in-memory TSDB, as Prometheus's own PromQL tests do.
package promql

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/promql/promqltest"
)

type rule struct {
	Alert string `json:"alert"`
	Expr  string `json:"expr"`
}

type spec struct {
	Groups []struct {
		Rules []rule `json:"rules"`
	} `json:"groups"`
}

type matcher struct {
	Label string `json:"label"`
	Type  string `json:"type"`
	Value string `json:"value"`
}

type result struct {
	Alert  string      `json:"alert"`
	Error  string      `json:"error,omitempty"`
	Series [][]matcher `json:"series"`
}

func TestSelectors(t *testing.T) {
	raw, err := os.ReadFile(os.Getenv("PROMQL_RULES"))
	if err != nil {
		t.Fatalf("PROMQL_RULES: %v", err)
	}
	var input spec
	if err := json.Unmarshal(raw, &input); err != nil {
		t.Fatalf("PROMQL_RULES is not a PrometheusRule spec: %v", err)
	}
	promql := parser.NewParser(parser.Options{})
	results := []result{}
	for _, group := range input.Groups {
		for _, r := range group.Rules {
			out := result{Alert: r.Alert, Series: [][]matcher{}}
			expr, err := promql.ParseExpr(r.Expr)
			if err != nil {
				out.Error = err.Error()
			} else {
				parser.Inspect(expr, func(node parser.Node, _ []parser.Node) error {
					if selector, ok := node.(*parser.VectorSelector); ok {
						matchers := []matcher{}
						for _, m := range selector.LabelMatchers {
							matchers = append(matchers, matcher{Label: m.Name, Type: m.Type.String(), Value: m.Value})
						}
						out.Series = append(out.Series, matchers)
					}
					return nil
				})
			}
			results = append(results, out)
		}
	}
	encoded, err := json.Marshal(results)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(os.Getenv("PROMQL_OUT"), encoded, 0o600); err != nil {
		t.Fatalf("PROMQL_OUT: %v", err)
	}
}

func TestScript(t *testing.T) {
	script, err := os.ReadFile(os.Getenv("PROMQL_SCRIPT"))
	if err != nil {
		t.Fatalf("PROMQL_SCRIPT: %v", err)
	}
	promqltest.RunTest(t, string(script), promqltest.NewTestEngine(t, false, 0, promqltest.DefaultMaxSamplesPerQuery))
}
