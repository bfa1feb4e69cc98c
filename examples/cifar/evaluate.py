"""Evaluate a trained ResNet-18 on the CIFAR-10 test set; optionally export it to ONNX.

    python evaluate.py checkpoints/best.pth --onnx resnet18_cifar10.onnx
"""
import argparse

import torch
import torchvision
import torchvision.transforms as transforms
from torch.utils.data import DataLoader
from tqdm import tqdm

from models import ResNet18

CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR10_STD = (0.2470, 0.2435, 0.2616)

parser = argparse.ArgumentParser(description="Evaluate a CIFAR-10 checkpoint")
parser.add_argument("checkpoint", help="state dict, or a training checkpoint written by train.py")
parser.add_argument("--data", default="./data")
parser.add_argument("--batch-size", type=int, default=256)
parser.add_argument("--workers", type=int, default=4)
parser.add_argument("--onnx", default="", help="also export the model to this ONNX file")


def main():
    args = parser.parse_args()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    model = ResNet18(num_classes=10)
    state = torch.load(args.checkpoint, map_location="cpu")
    if "model" in state:
        state = state["model"]
    model.load_state_dict(state)
    model.to(device)

    test_set = torchvision.datasets.CIFAR10(
        args.data,
        train=False,
        download=True,
        transform=transforms.Compose([transforms.ToTensor(), transforms.Normalize(CIFAR10_MEAN, CIFAR10_STD)]),
    )
    test_loader = DataLoader(test_set, batch_size=args.batch_size, shuffle=False, num_workers=args.workers)

    correct, total = 0, 0
    with torch.no_grad():
        for inputs, targets in tqdm(test_loader, desc="test"):
            inputs, targets = inputs.to(device), targets.to(device)
            outputs = model(inputs)  # expect: NL001
            correct += (outputs.argmax(dim=1) == targets).sum().item()
            total += targets.size(0)
    print(f"test accuracy: {100.0 * correct / total:.2f}% ({correct}/{total})")

    if args.onnx:
        dummy = torch.randn(1, 3, 32, 32, device=device)
        torch.onnx.export(model, dummy, args.onnx, input_names=["image"], output_names=["logits"], opset_version=17)  # expect: NL001
        print(f"wrote {args.onnx}")


if __name__ == "__main__":
    main()
