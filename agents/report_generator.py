"""report-generator: renders transformed records as a Markdown report.

Provides `report_generation` (1.0.0) and uses `data_transformation` (>=2.0.0) from the
mesh to shape the data first. Deployed in prod as an MCPAgent custom resource.
"""

from datetime import datetime, timezone
from typing import Any

import mesh
from fastmcp import FastMCP

app = FastMCP("Report Generator")


def _table(records: list[dict[str, Any]]) -> str:
    if not records:
        return "_no records_"
    columns = list(dict.fromkeys(key for record in records for key in record))
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(record.get(column, "")) for column in columns) + " |" for record in records]
    return "\n".join(lines)


@app.tool()
@mesh.tool(
    capability="report_generation",
    version="1.0.0",
    description="Renders records as a Markdown report, after optional transformation steps",
    dependencies=[{"capability": "data_transformation", "version": ">=2.0.0"}],
)
async def report(
    title: str,
    records: list[dict[str, Any]],
    steps: list[dict[str, Any]] | None = None,
    data_transformation: mesh.McpMeshAgent | None = None,
) -> str:
    """Return a Markdown report of `records` (transformed by `steps` when the mesh can)."""
    note = ""
    if steps:
        if data_transformation is None:
            note = "\n\n_Transformation skipped: data_transformation is not available._"
        else:
            records = (await data_transformation(records=records, steps=steps))["records"]
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"# {title}\n\nGenerated {generated}, {len(records)} record(s).\n\n{_table(records)}{note}\n"


@mesh.agent(
    name="report-generator",
    version="1.0.0",
    description="Markdown reports from mesh data",
    http_port=8080,
    enable_http=True,
    auto_run=True,
)
class ReportGeneratorAgent:
    """auto_run: the mesh serves the tools over HTTP and registers report_generation."""
