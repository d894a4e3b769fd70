import { Stack, StackProps } from 'aws-cdk-lib';
import { aws_bedrock as bedrock } from 'aws-cdk-lib';
import { Construct } from 'constructs';

export class HelpdeskStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    const kb = new bedrock.CfnKnowledgeBase(this, 'Kb', {
      name: 'helpdesk-kb',
      roleArn: 'arn:aws:iam::123456789012:role/kb',
      knowledgeBaseConfiguration: { type: 'VECTOR' },
    });

    new bedrock.CfnAgent(this, 'Agent', {
      agentName: 'helpdesk',
      foundationModel: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
      knowledgeBases: [{ knowledgeBaseId: kb.attrKnowledgeBaseId, description: 'faq' }],
    });
  }
}
