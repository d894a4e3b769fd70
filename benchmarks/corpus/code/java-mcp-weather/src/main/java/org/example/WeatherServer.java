package org.example;

import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import com.fasterxml.jackson.databind.ObjectMapper;

public class WeatherServer {
    public static void main(String[] args) {
        var transport = new StdioServerTransportProvider(new ObjectMapper());
        McpSyncServer server = McpServer.sync(transport)
            .serverInfo("weather", "0.1.0")
            .build();
        server.addTool(Tools.forecast());
    }
}
