"""A small residual CNN for 32x32 images (CIFAR-10 sized), built with the Keras functional API.

    from cnn import build_cnn
    model = build_cnn(num_classes=10)
"""
import keras
from keras import layers


def conv_bn_relu(x, filters, strides=1):
    """3x3 convolution, BatchNormalization, ReLU (ported from a PyTorch ResNet)."""
    x = layers.Conv2D(filters, 3, strides=strides, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization(momentum=0.1, epsilon=1e-5)(x)  # expect: NL007
    return layers.Activation("relu")(x)


def residual_block(x, filters, strides=1):
    shortcut = x
    y = conv_bn_relu(x, filters, strides)
    y = layers.Conv2D(filters, 3, padding="same")(y)  # expect: NL003
    y = layers.BatchNormalization()(y)
    if strides != 1 or x.shape[-1] != filters:
        shortcut = layers.Conv2D(filters, 1, strides=strides, use_bias=False)(x)
        shortcut = layers.BatchNormalization(axis=1)(shortcut)  # expect: NL011
    y = layers.Add()([y, shortcut])
    return layers.Activation("relu")(y)


def build_cnn(input_shape=(32, 32, 3), num_classes=10, width=32):
    inputs = keras.Input(shape=input_shape)
    x = layers.Rescaling(1.0 / 255)(inputs)
    x = conv_bn_relu(x, width)
    x = residual_block(x, width)
    x = residual_block(x, 2 * width, strides=2)
    x = residual_block(x, 4 * width, strides=2)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(0.3)(x)
    outputs = layers.Dense(num_classes)(x)
    return keras.Model(inputs, outputs, name="small_resnet")
