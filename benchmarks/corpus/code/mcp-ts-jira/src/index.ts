import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const server = new McpServer({ name: "jira", version: "1.0.3" });

server.tool("issue", { key: z.string() }, async ({ key }) => {
  const res = await fetch(`${process.env.JIRA_URL}/rest/api/3/issue/${key}`);
  return { content: [{ type: "text", text: await res.text() }] };
});

await server.connect(new StdioServerTransport());
