"""Classify image files with a trained CIFAR-10 ResNet-18.

    python predict.py checkpoints/best.pth cat.png ship.jpg --topk 3
    python predict.py checkpoints/best.pth cat.png --torchscript resnet18_cifar10.pt
"""
import argparse

import torch
import torch.nn.functional as F
import torchvision.transforms as transforms
from PIL import Image

from models import ResNet18

CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")

preprocess = transforms.Compose([
    transforms.Resize((32, 32)),
    transforms.ToTensor(),
    transforms.Normalize((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)),
])

parser = argparse.ArgumentParser(description="Predict CIFAR-10 classes for image files")
parser.add_argument("checkpoint")
parser.add_argument("images", nargs="+")
parser.add_argument("--topk", type=int, default=3)
parser.add_argument("--torchscript", default="", help="also save a traced TorchScript module here")


@torch.inference_mode()
def predict(model, image, device, topk):
    x = preprocess(image.convert("RGB")).unsqueeze(0).to(device)
    probs = F.softmax(model(x), dim=1)[0]
    return probs.topk(topk)


def main():
    args = parser.parse_args()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    model = ResNet18(num_classes=len(CLASSES))
    state = torch.load(args.checkpoint, map_location="cpu")
    model.load_state_dict(state.get("model", state))
    model.to(device)
    model.eval()

    for path in args.images:
        scores, indices = predict(model, Image.open(path), device, args.topk)
        ranked = ", ".join(f"{CLASSES[i]} {s:.2f}" for s, i in zip(scores.tolist(), indices.tolist()))
        print(f"{path}: {ranked}")

    if args.torchscript:
        example = torch.randn(1, 3, 32, 32, device=device)
        traced = torch.jit.trace(model, example)
        traced.save(args.torchscript)
        print(f"wrote {args.torchscript}")


if __name__ == "__main__":
    main()
