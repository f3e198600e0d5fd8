"""hello-world: the smallest useful MCP Mesh agent.

It provides the `greeting` capability (1.0.0). When an agent providing `date_service`
is in the mesh, the registry injects it and the greeting carries today's date; without
it the tool still answers. Run locally with `python hello_world.py` next to a registry
(MCP_MESH_REGISTRY_URL), or deploy it with this repository's `agents` stack config.
"""

import mesh
from fastmcp import FastMCP

app = FastMCP("Hello World")


@app.tool()
@mesh.tool(
    capability="greeting",
    version="1.0.0",
    description="Greets someone by name, with the date when a date service is available",
    dependencies=["date_service"],
)
async def greet(name: str = "world", date_service: mesh.McpMeshAgent | None = None) -> str:
    """Return a greeting for `name`."""
    greeting = f"Hello, {name}!"
    if date_service is None:
        return greeting
    try:
        return f"{greeting} Today is {await date_service()}."
    except Exception as error:  # a dependency failing must not fail the greeting
        return f"{greeting} (date service unavailable: {error})"


# The runtime reads the agent's settings from here; in Kubernetes, MCP_MESH_HTTP_HOST,
# MCP_MESH_HTTP_PORT and MCP_MESH_REGISTRY_URL from the environment take precedence.
@mesh.agent(
    name="hello-world",
    version="1.0.0",
    description="Says hello through the mesh",
    http_port=8080,
    enable_http=True,
    auto_run=True,
)
class HelloWorldAgent:
    """auto_run: the mesh starts the HTTP server and registers `greeting`; no main needed."""
