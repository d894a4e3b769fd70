resource "aws_sagemaker_model" "churn" {
  name               = "churn-xgb"
  execution_role_arn = aws_iam_role.sm.arn
  primary_container {
    image          = var.inference_image
    model_data_url = "s3://acme-ml/churn/model.tar.gz"
  }
}

resource "aws_sagemaker_endpoint_configuration" "churn" {
  name = "churn"
  production_variants {
    variant_name           = "main"
    model_name             = aws_sagemaker_model.churn.name
    initial_instance_count = 1
    instance_type          = "ml.m5.large"
  }
}

resource "aws_sagemaker_endpoint" "churn" {
  name                 = "churn"
  endpoint_config_name = aws_sagemaker_endpoint_configuration.churn.name
}
