from .blocks import BasicBlock, Bottleneck, conv_bn_relu
from .heads import ClassifierHead, DenseHead, ProjectionHead
from .resnet import ResNet, ResNet18, ResNet34, ResNet50

__all__ = [
    "BasicBlock",
    "Bottleneck",
    "ClassifierHead",
    "DenseHead",
    "ProjectionHead",
    "ResNet",
    "ResNet18",
    "ResNet34",
    "ResNet50",
    "conv_bn_relu",
]
