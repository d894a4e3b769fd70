variable "inference_image" {
  type = string
}
