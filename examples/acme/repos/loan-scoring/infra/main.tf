resource "aws_sagemaker_model" "scorer" {
  name               = "acme-loan-scorer-model"
  execution_role_arn = "arn:aws:iam::123456789012:role/acme-loan-scorer-task"
}

resource "aws_sagemaker_endpoint" "scorer" {
  name                 = "acme-loan-scorer"
  endpoint_config_name = "acme-loan-scorer-config"
}
