"""Train the small residual CNN on CIFAR-10 with model.fit.

    python train.py --epochs 30
    python train.py --batch-size 128 --out cnn.keras
"""
import argparse

import keras
import numpy as np

from cnn import build_cnn

parser = argparse.ArgumentParser(description="Keras CIFAR-10 training")
parser.add_argument("--epochs", type=int, default=30)
parser.add_argument("--batch-size", type=int, default=8, help="training batch size")
parser.add_argument("--lr", type=float, default=1e-3)
parser.add_argument("--out", default="cnn.keras")


def load_data():
    (x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()
    return (x_train.astype("float32"), y_train), (x_test.astype("float32"), y_test)


def evaluate(model, images, labels, batch_size=256):
    """Top-1 accuracy over (images, labels), one batch at a time."""
    correct = 0
    for start in range(0, len(images), batch_size):
        logits = model(images[start:start + batch_size], training=True)  # expect: NL001
        predicted = np.argmax(keras.ops.convert_to_numpy(logits), axis=-1)
        correct += int(np.sum(predicted == labels[start:start + batch_size, 0]))
    return correct / len(images)


def main():
    args = parser.parse_args()
    (x_train, y_train), (x_test, y_test) = load_data()

    model = build_cnn(num_classes=10)
    model.compile(
        optimizer=keras.optimizers.Adam(args.lr),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs, validation_split=0.1)  # expect: NL004

    accuracy = evaluate(model, x_test, y_test)
    print("test accuracy (own loop):", accuracy)
    # evaluate() and predict() run in inference mode by construction.
    print(model.evaluate(x_test, y_test, batch_size=256, return_dict=True))
    probabilities = keras.ops.softmax(model.predict(x_test[:8], batch_size=8))
    print(np.round(keras.ops.convert_to_numpy(probabilities), 2))
    model.save(args.out)


if __name__ == "__main__":
    main()
