from django.db import models


class Product(models.Model):
    name = models.CharField(max_length=200)
    model_number = models.CharField(max_length=40)
    price = models.DecimalField(max_digits=8, decimal_places=2)


class Order(models.Model):
    product = models.ForeignKey(Product, on_delete=models.PROTECT)
    completion = models.DateTimeField(null=True)
