using Azure.AI.OpenAI;
using Azure.Identity;
using OpenAI.Chat;

namespace SupportBot.Services;

public sealed class ReplyService
{
    private readonly ChatClient _chat;

    public ReplyService(IConfiguration config)
    {
        var client = new AzureOpenAIClient(new Uri(config["Llm:Endpoint"]!), new DefaultAzureCredential());
        _chat = client.GetChatClient(config["Llm:Deployment"]);
    }

    public async Task<string> DraftAsync(string ticket)
    {
        ChatCompletion completion = await _chat.CompleteChatAsync(new UserChatMessage(ticket));
        return completion.Content[0].Text;
    }
}
