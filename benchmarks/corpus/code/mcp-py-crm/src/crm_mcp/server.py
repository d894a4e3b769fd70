import httpx
from mcp.server.fastmcp import FastMCP

mcp = FastMCP("crm")


@mcp.tool()
async def find_customer(email: str) -> dict:
    """Look a customer up by e-mail."""
    async with httpx.AsyncClient(base_url="https://crm.internal") as http:
        r = await http.get("/customers", params={"email": email})
        return r.json()


if __name__ == "__main__":
    mcp.run()
