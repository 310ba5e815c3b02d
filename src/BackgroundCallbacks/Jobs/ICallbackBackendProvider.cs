namespace BackgroundCallbacks.Jobs;

/// <summary>Says which backend each manager uses. The embedded provider gives every manager the same one.</summary>
internal interface ICallbackBackendProvider
{
    CallbackBackend GetBackend(string managerName);
}
