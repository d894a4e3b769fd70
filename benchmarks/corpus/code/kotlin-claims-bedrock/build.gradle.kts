dependencies {
    implementation("io.ktor:ktor-server-netty:2.3.12")
    implementation(platform("software.amazon.awssdk:bom:2.28.0"))
    implementation("software.amazon.awssdk:bedrockruntime")
}
