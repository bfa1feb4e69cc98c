"""Transfer a CIFAR-10 ResNet-18 to CIFAR-100: freeze the backbone, train a new classifier.

    python finetune.py --pretrained checkpoints/best.pth --epochs 30
"""
import argparse
import os

import torch
import torch.nn as nn
import torch.optim as optim
import torchvision
import torchvision.transforms as transforms
from torch.utils.data import DataLoader
from tqdm import tqdm

from models import ResNet18

CIFAR100_MEAN = (0.5071, 0.4865, 0.4409)
CIFAR100_STD = (0.2673, 0.2564, 0.2762)

parser = argparse.ArgumentParser(description="Linear-probe fine-tuning on CIFAR-100")
parser.add_argument("--pretrained", required=True, help="checkpoint written by train.py")
parser.add_argument("--data", default="./data")
parser.add_argument("--epochs", type=int, default=30)
parser.add_argument("--batch-size", type=int, default=128)
parser.add_argument("--lr", type=float, default=0.05)
parser.add_argument("--workers", type=int, default=4)
parser.add_argument("--out", default="checkpoints")


def evaluate(model, loader, device):
    model.eval()
    correct, total = 0, 0
    with torch.no_grad():
        for inputs, targets in loader:
            inputs, targets = inputs.to(device), targets.to(device)
            correct += (model(inputs).argmax(dim=1) == targets).sum().item()
            total += targets.size(0)
    return 100.0 * correct / total


def main():
    args = parser.parse_args()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    os.makedirs(args.out, exist_ok=True)

    normalize = transforms.Normalize(CIFAR100_MEAN, CIFAR100_STD)
    train_set = torchvision.datasets.CIFAR100(
        args.data,
        train=True,
        download=True,
        transform=transforms.Compose([
            transforms.RandomCrop(32, padding=4),
            transforms.RandomHorizontalFlip(),
            transforms.ToTensor(),
            normalize,
        ]),
    )
    test_set = torchvision.datasets.CIFAR100(
        args.data, train=False, download=True, transform=transforms.Compose([transforms.ToTensor(), normalize])
    )
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True, num_workers=args.workers, pin_memory=True, drop_last=True)
    test_loader = DataLoader(test_set, batch_size=256, shuffle=False, num_workers=args.workers)

    model = ResNet18(num_classes=100)
    checkpoint = torch.load(args.pretrained, map_location="cpu")
    backbone_state = {k: v for k, v in checkpoint["model"].items() if not k.startswith("fc.")}
    missing, unexpected = model.load_state_dict(backbone_state, strict=False)
    print(f"missing keys: {missing}, unexpected keys: {unexpected}")

    for p in model.backbone.parameters():
        p.requires_grad = False
    model.to(device)

    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.fc.parameters(), lr=args.lr, momentum=0.9)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    scaler = torch.cuda.amp.GradScaler(enabled=device.type == "cuda")

    acc = 0.0
    for epoch in range(args.epochs):
        model.train()  # expect: NL010
        for inputs, targets in tqdm(train_loader, desc=f"epoch {epoch}", leave=False):
            inputs, targets = inputs.to(device, non_blocking=True), targets.to(device, non_blocking=True)
            optimizer.zero_grad(set_to_none=True)
            with torch.autocast(device_type=device.type, enabled=scaler.is_enabled()):
                loss = criterion(model(inputs), targets)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
        scheduler.step()
        acc = evaluate(model, test_loader, device)
        print(f"epoch {epoch:2d}: test acc {acc:.2f}")

    torch.save({"model": model.state_dict(), "epoch": args.epochs - 1, "acc": acc}, os.path.join(args.out, "finetuned.pth"))


if __name__ == "__main__":
    main()
