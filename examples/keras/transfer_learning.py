"""Two-phase transfer learning on a folder of images with an ImageNet MobileNetV2.

    python transfer_learning.py data/flowers      # data/flowers/<class>/*.jpg

Phase 1 trains a new head on the frozen base; phase 2 unfreezes the top of the base and
fine-tunes everything with a small learning rate.
"""
import sys

import keras
from keras import layers

IMG_SIZE = (160, 160)
BATCH_SIZE = 32

data_dir = sys.argv[1] if len(sys.argv) > 1 else "data/flowers"
train_ds = keras.utils.image_dataset_from_directory(
    data_dir, validation_split=0.2, subset="training", seed=1337, image_size=IMG_SIZE, batch_size=BATCH_SIZE
)
val_ds = keras.utils.image_dataset_from_directory(
    data_dir, validation_split=0.2, subset="validation", seed=1337, image_size=IMG_SIZE, batch_size=BATCH_SIZE
)
num_classes = len(train_ds.class_names)

augmentation = keras.Sequential([layers.RandomFlip("horizontal"), layers.RandomRotation(0.1)], name="augmentation")

base_model = keras.applications.MobileNetV2(input_shape=IMG_SIZE + (3,), include_top=False, weights="imagenet")
base_model.trainable = False

inputs = keras.Input(shape=IMG_SIZE + (3,))
x = augmentation(inputs)
x = keras.applications.mobilenet_v2.preprocess_input(x)
x = base_model(x)  # expect: NL008
x = layers.GlobalAveragePooling2D()(x)
x = layers.Dense(256)(x)  # expect: NL003
x = layers.BatchNormalization()(x)
x = layers.Activation("relu")(x)
x = layers.Dropout(0.2)(x)
outputs = layers.Dense(num_classes)(x)
model = keras.Model(inputs, outputs)

loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

# Phase 1: train the new head on top of the frozen base.
model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=loss, metrics=["accuracy"])
model.fit(train_ds, validation_data=val_ds, epochs=10)

# Phase 2: unfreeze the top of the base and fine-tune with a small learning rate.
base_model.trainable = True
for layer in base_model.layers[:100]:
    layer.trainable = False
model.compile(optimizer=keras.optimizers.Adam(1e-5), loss=loss, metrics=["accuracy"])
model.fit(train_ds, validation_data=val_ds, epochs=10)
model.save("flowers_mobilenetv2.keras")
