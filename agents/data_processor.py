"""data-processor: transforms tabular records for other agents.

Provides `data_transformation` (2.0.0) and depends on `database-service` (>=3.0.0) for
lookups. Without the database service it still transforms what it is given, and says
that enrichment was skipped.
"""

from typing import Any

import mesh
from fastmcp import FastMCP

app = FastMCP("Data Processor")

OPERATIONS = ("select", "rename", "filter", "sort")


def _apply(records: list[dict[str, Any]], step: dict[str, Any]) -> list[dict[str, Any]]:
    operation = step.get("op")
    if operation == "select":
        fields = step["fields"]
        return [{field: record.get(field) for field in fields} for record in records]
    if operation == "rename":
        mapping = step["mapping"]
        return [{mapping.get(key, key): value for key, value in record.items()} for record in records]
    if operation == "filter":
        field, value = step["field"], step["equals"]
        return [record for record in records if record.get(field) == value]
    if operation == "sort":
        field = step["field"]
        return sorted(records, key=lambda record: (record.get(field) is None, record.get(field)), reverse=step.get("descending", False))
    raise ValueError(f"unknown operation {operation!r}; expected one of {', '.join(OPERATIONS)}")


@app.tool()
@mesh.tool(
    capability="data_transformation",
    version="2.0.0",
    description="Applies select/rename/filter/sort steps to a list of records, optionally enriched from the database service",
    dependencies=[{"capability": "database-service", "version": ">=3.0.0"}],
)
async def transform(
    records: list[dict[str, Any]],
    steps: list[dict[str, Any]],
    enrich_with: str | None = None,
    database_service: mesh.McpMeshAgent | None = None,
) -> dict[str, Any]:
    """Run `steps` in order over `records`; `enrich_with` names a table to join on `id`."""
    enriched = False
    if enrich_with and database_service is not None:
        rows = await database_service(table=enrich_with, ids=[record.get("id") for record in records])
        by_id = {row.get("id"): row for row in rows or []}
        records = [{**by_id.get(record.get("id"), {}), **record} for record in records]
        enriched = True
    for step in steps:
        records = _apply(records, step)
    return {
        "records": records,
        "count": len(records),
        "enriched": enriched,
        "note": None if enriched or not enrich_with else "database-service unavailable; enrichment skipped",
    }


@mesh.agent(
    name="data-processor",
    version="2.0.0",
    description="Record transformations for the mesh",
    http_port=8080,
    enable_http=True,
    auto_run=True,
)
class DataProcessorAgent:
    """auto_run: the mesh serves the tools over HTTP and registers data_transformation."""
