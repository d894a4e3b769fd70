using Microsoft.SemanticKernel;
using ModelContextProtocol.Client;

var kernelBuilder = Kernel.CreateBuilder();
kernelBuilder.AddOllamaChatCompletion("qwen2.5:7b", new Uri("http://localhost:11434"));
var kernel = kernelBuilder.Build();

await using var mcp = await McpClientFactory.CreateAsync(new StdioClientTransport(new()
{
    Name = "kubectl",
    Command = "kubectl-mcp",
}));
var tools = await mcp.ListToolsAsync();
kernel.Plugins.AddFromFunctions("ops", tools.Select(t => t.AsKernelFunction()));
