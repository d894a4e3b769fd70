package claims

import software.amazon.awssdk.core.SdkBytes
import software.amazon.awssdk.regions.Region
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelRequest

class Extractor {
    private val client = BedrockRuntimeClient.builder().region(Region.EU_CENTRAL_1).build()

    fun extract(claimText: String): String {
        val body = """{"anthropic_version":"bedrock-2023-05-31","max_tokens":400,"messages":[{"role":"user","content":"$claimText"}]}"""
        val request = InvokeModelRequest.builder()
            .modelId("anthropic.claude-3-haiku-20240307-v1:0")
            .body(SdkBytes.fromUtf8String(body))
            .build()
        return client.invokeModel(request).body().asUtf8String()
    }
}
