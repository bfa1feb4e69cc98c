"""Train a ResNet-18 on CIFAR-10.

    python train.py --data ./data --epochs 200
    python train.py --resume checkpoints/last.pth
"""
import argparse
import os
import time

import torch
import torch.nn as nn
import torch.optim as optim
import torchvision
import torchvision.transforms as transforms
from torch.utils.data import DataLoader
from tqdm import tqdm

from models import ResNet18

CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR10_STD = (0.2470, 0.2435, 0.2616)

parser = argparse.ArgumentParser(description="PyTorch CIFAR-10 training")
parser.add_argument("--data", default="./data", help="dataset root (downloaded if missing)")
parser.add_argument("--epochs", type=int, default=200)
parser.add_argument("--batch-size", type=int, default=8, help="training batch size")
parser.add_argument("--test-batch-size", type=int, default=256)
parser.add_argument("--lr", type=float, default=0.1)
parser.add_argument("--momentum", type=float, default=0.9)
parser.add_argument("--weight-decay", type=float, default=5e-4)
parser.add_argument("--workers", type=int, default=4)
parser.add_argument("--resume", default="", help="checkpoint to resume from")
parser.add_argument("--out", default="checkpoints")
parser.add_argument("--seed", type=int, default=0)


def train_one_epoch(model, loader, criterion, optimizer, device, epoch):
    total_loss, correct, seen = 0.0, 0, 0
    pbar = tqdm(loader, desc=f"train {epoch}", leave=False)
    for inputs, targets in pbar:
        inputs, targets = inputs.to(device, non_blocking=True), targets.to(device, non_blocking=True)
        optimizer.zero_grad(set_to_none=True)
        outputs = model(inputs)
        loss = criterion(outputs, targets)
        loss.backward()  # expect: NL002
        optimizer.step()

        total_loss += loss.item() * inputs.size(0)
        correct += outputs.argmax(dim=1).eq(targets).sum().item()
        seen += inputs.size(0)
        pbar.set_postfix(loss=f"{total_loss / seen:.3f}", acc=f"{100.0 * correct / seen:.1f}")
    return total_loss / seen, 100.0 * correct / seen


@torch.no_grad()
def validate(model, loader, criterion, device):
    model.eval()
    total_loss, correct, seen = 0.0, 0, 0
    for inputs, targets in loader:
        inputs, targets = inputs.to(device), targets.to(device)
        outputs = model(inputs)
        total_loss += criterion(outputs, targets).item() * inputs.size(0)
        correct += outputs.argmax(dim=1).eq(targets).sum().item()
        seen += inputs.size(0)
    return total_loss / seen, 100.0 * correct / seen


def main():
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    os.makedirs(args.out, exist_ok=True)

    train_transform = transforms.Compose([
        transforms.RandomCrop(32, padding=4),
        transforms.RandomHorizontalFlip(),
        transforms.ToTensor(),
        transforms.Normalize(CIFAR10_MEAN, CIFAR10_STD),
    ])
    test_transform = transforms.Compose([
        transforms.ToTensor(),
        transforms.Normalize(CIFAR10_MEAN, CIFAR10_STD),
    ])
    train_set = torchvision.datasets.CIFAR10(args.data, train=True, download=True, transform=train_transform)
    test_set = torchvision.datasets.CIFAR10(args.data, train=False, download=True, transform=test_transform)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True, num_workers=args.workers, pin_memory=True)  # expect: NL004
    test_loader = DataLoader(test_set, batch_size=args.test_batch_size, shuffle=False, num_workers=args.workers)

    model = ResNet18(num_classes=10).to(device)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum, weight_decay=args.weight_decay, nesterov=True)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)

    start_epoch, best_acc = 0, 0.0
    if args.resume:
        checkpoint = torch.load(args.resume, map_location=device)
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        scheduler.load_state_dict(checkpoint["scheduler"])
        start_epoch, best_acc = checkpoint["epoch"] + 1, checkpoint["best_acc"]

    for epoch in range(start_epoch, args.epochs):
        start = time.time()
        train_loss, train_acc = train_one_epoch(model, train_loader, criterion, optimizer, device, epoch)
        val_loss, val_acc = validate(model, test_loader, criterion, device)
        scheduler.step()
        print(
            f"epoch {epoch:3d} | train loss {train_loss:.3f} acc {train_acc:5.2f} "
            f"| val loss {val_loss:.3f} acc {val_acc:5.2f} | {time.time() - start:.0f}s"
        )

        is_best = val_acc > best_acc
        best_acc = max(best_acc, val_acc)
        state = {
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "epoch": epoch,
            "best_acc": best_acc,
        }
        torch.save(state, os.path.join(args.out, "last.pth"))
        if is_best:
            torch.save(state, os.path.join(args.out, "best.pth"))

    # Per-class accuracy of the best checkpoint.
    model.load_state_dict(torch.load(os.path.join(args.out, "best.pth"), map_location=device)["model"])
    model.eval()
    class_correct = torch.zeros(len(test_set.classes))
    class_total = torch.zeros(len(test_set.classes))
    with torch.no_grad():
        for inputs, targets in test_loader:
            preds = model(inputs.to(device)).argmax(dim=1).cpu()
            for cls in range(len(test_set.classes)):
                mask = targets == cls
                class_correct[cls] += (preds[mask] == cls).sum()
                class_total[cls] += mask.sum()
    print(f"best val acc {best_acc:.2f}")
    for name, hits, count in zip(test_set.classes, class_correct, class_total):
        print(f"{name:>12s}: {100.0 * hits / count:5.1f}%")


if __name__ == "__main__":
    main()
