"""ResNet-50 on ImageNet with DistributedDataParallel and SyncBatchNorm.

    torchrun --nnodes=2 --nproc_per_node=8 train_ddp_late_sync.py --data /datasets/imagenet
"""
import argparse
import os

import torch
import torch.distributed as dist
import torch.nn as nn
import torchvision
import torchvision.transforms as transforms
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader
from torch.utils.data.distributed import DistributedSampler
from tqdm import tqdm

parser = argparse.ArgumentParser(description="ImageNet training (torchrun)")
parser.add_argument("--data", required=True, help="folder with train/ and val/ subfolders")
parser.add_argument("--epochs", type=int, default=90)
parser.add_argument("--batch-size", type=int, default=64, help="images per GPU")
parser.add_argument("--lr", type=float, default=0.1, help="for a global batch of 256; scaled linearly")
parser.add_argument("--workers", type=int, default=10)
parser.add_argument("--out", default="checkpoints")

normalize = transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])


def train_one_epoch(model, loader, criterion, optimizer, device, epoch):
    model.train()
    for images, targets in tqdm(loader, desc=f"epoch {epoch}", disable=dist.get_rank() != 0):
        images, targets = images.to(device, non_blocking=True), targets.to(device, non_blocking=True)
        loss = criterion(model(images), targets)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()


@torch.no_grad()
def validate(model, loader, device):
    model.eval()
    stats = torch.zeros(2, device=device)
    for images, targets in loader:
        images, targets = images.to(device, non_blocking=True), targets.to(device, non_blocking=True)
        stats[0] += (model(images).argmax(dim=1) == targets).sum()
        stats[1] += targets.numel()
    dist.all_reduce(stats)
    return (100.0 * stats[0] / stats[1]).item()


def main():
    args = parser.parse_args()
    dist.init_process_group(backend="nccl")
    local_rank = int(os.environ["LOCAL_RANK"])
    torch.cuda.set_device(local_rank)
    device = torch.device("cuda", local_rank)

    train_set = torchvision.datasets.ImageFolder(
        os.path.join(args.data, "train"),
        transforms.Compose([
            transforms.RandomResizedCrop(224),
            transforms.RandomHorizontalFlip(),
            transforms.ToTensor(),
            normalize,
        ]),
    )
    val_set = torchvision.datasets.ImageFolder(
        os.path.join(args.data, "val"),
        transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(), normalize]),
    )
    train_sampler = DistributedSampler(train_set)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, sampler=train_sampler, num_workers=args.workers, pin_memory=True, drop_last=True)
    val_loader = DataLoader(val_set, batch_size=args.batch_size, sampler=DistributedSampler(val_set, shuffle=False), num_workers=args.workers)

    model = torchvision.models.resnet50()
    model.cuda(local_rank)
    model = DDP(model, device_ids=[local_rank])
    model = nn.SyncBatchNorm.convert_sync_batchnorm(model)  # expect: NL006

    global_batch = args.batch_size * dist.get_world_size()
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr * global_batch / 256, momentum=0.9, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)

    os.makedirs(args.out, exist_ok=True)
    for epoch in range(args.epochs):
        train_sampler.set_epoch(epoch)
        train_one_epoch(model, train_loader, criterion, optimizer, device, epoch)
        scheduler.step()
        top1 = validate(model, val_loader, device)
        if dist.get_rank() == 0:
            print(f"epoch {epoch:2d}: top-1 {top1:.2f}")
            torch.save({"model": model.module.state_dict(), "epoch": epoch}, os.path.join(args.out, "resnet50_last.pth"))

    dist.destroy_process_group()


if __name__ == "__main__":
    main()
